"""The group's own signal (issue 22): the 👍 / 👎 and 🔖 Save buttons under every card (bot/ui/buttons.py),
`/saved` and `/forget-me`. Everything here answers its member alone."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.client import Interaction, PaperboyClient
from bot.i18n.replies import reply_lang, say
from bot.ui.buttons import FeedbackButton, SaveButton
from bot.ui.views import ItemOwner, PaperboyView
from jobs.present.i18n import t

CONFIRM_TIMEOUT = 300  # seconds a /forget-me confirmation stays clickable


class ForgetConfirm(PaperboyView):
    """The one button that deletes a member's data: theirs to click, once."""

    def __init__(self, owner_id: int, lang: str) -> None:
        super().__init__(timeout=CONFIRM_TIMEOUT)
        self.owner_id = owner_id
        self.confirm.label = t("forget.button", lang)

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(say(interaction, "list.not_yours"), ephemeral=True)
        return False

    @discord.ui.button(label="Delete all my data", style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: Interaction, button: discord.ui.Button[Any]) -> None:
        gone = await interaction.client.store.forget_member(interaction.user.id)
        self.stop()
        await interaction.response.edit_message(
            content=say(interaction, "forget.done", subs=gone.get("subscriptions", 0),
                        feedback=gone.get("feedback", 0), saved=gone.get("saved", 0)), view=None)


class Signal(ItemOwner):
    PERSISTENT = (FeedbackButton, SaveButton)  # under any card we ever sent

    @app_commands.command(name="forget-me", description="Delete everything Paperboy keeps about you")
    async def forget_me(self, interaction: Interaction) -> None:
        lang = reply_lang(interaction)
        await interaction.response.send_message(t("forget.ask", lang, what=t("forget.what", lang)),
                                                view=ForgetConfirm(interaction.user.id, lang), ephemeral=True)


async def setup(bot: PaperboyClient) -> None:
    await bot.add_cog(Signal(bot))
