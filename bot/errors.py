"""When a command, button or menu fails: a short, honest reply for the member, the traceback for the log.

Without this, a failure after `defer(thinking=True)` leaves the member watching "thinking…" forever."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.i18n.replies import reply_lang
from jobs.present.i18n import t

log = logging.getLogger(__name__)

def describe(interaction: discord.Interaction[Any]) -> tuple[str, str]:
    """(what the member used, for the reply in their language; what it was given, for the log)."""
    command = interaction.command
    if command is not None and interaction.type is discord.InteractionType.application_command:
        options = {name: value for name, value in interaction.namespace}
        return f"`/{command.qualified_name}`", f"/{command.qualified_name} options={options!r}"
    data: dict[str, Any] = dict(interaction.data or {})  # type: ignore[arg-type]
    values = data.get("values")
    given = f"custom_id={data.get('custom_id')!r}" + (f" values={values!r}" if values is not None else "")
    return t("error.that_click", reply_lang(interaction)), f"component {given}"


def reply_for(error: Exception, what: str, lang: str = "en") -> str:
    """Our own refusals say what was wrong; anything else is our fault, and we say so."""
    sorry = t("error.sorry", lang, what=what)
    if isinstance(error, app_commands.TransformerError):
        return f"I couldn't use `{error.value}` there: {error}."[:1900]
    if isinstance(error, app_commands.CheckFailure | app_commands.CommandNotFound):
        return str(error) or sorry
    return sorry


async def report_failure(interaction: discord.Interaction[Any], error: Exception) -> None:
    """Log the failure with what was used and its options, then tell the member: in place of the
    deferred "thinking…" when there is one, else as an ephemeral message."""
    original = getattr(error, "original", error)
    what, given = describe(interaction)
    user = interaction.user.id if interaction.user else None
    expected = isinstance(error, app_commands.TransformerError | app_commands.CheckFailure)
    if expected:
        log.info("refused %s for user %s: %s", given, user, error)
    else:
        log.error("%s failed for user %s", given, user, exc_info=original)
    if interaction.type is discord.InteractionType.autocomplete:
        return  # an autocomplete cannot carry a message; the member just sees no suggestions
    text = reply_for(error, what, reply_lang(interaction))
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(text, ephemeral=True)
        elif interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
            await interaction.edit_original_response(content=text, embeds=[], attachments=[], view=None)
        else:
            await interaction.followup.send(text, ephemeral=True)
    except discord.HTTPException as exc:  # the token may have expired: the log has it all the same
        log.warning("could not tell user %s that %s failed: %s", user, given, exc)
