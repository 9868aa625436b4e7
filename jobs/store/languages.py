"""The language papers read in: a server's (its feeds) and a member's (their DMs, and what only they see)."""

from __future__ import annotations

from jobs.store._connection import Connection
from jobs.store.rows import utcnow


class Languages(Connection):
    async def guild_language(self, guild_id: int) -> str | None:
        """The server's setting, or None when it never chose."""
        return await self._one("SELECT language FROM guild_languages WHERE guild_id = ?", (guild_id,))

    async def set_guild_language(self, guild_id: int, language: str, set_by: int | None) -> None:
        async with self.transaction() as db:
            await db.execute(
                "INSERT INTO guild_languages (guild_id, language, set_by, set_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (guild_id) DO UPDATE SET language = excluded.language, set_by = excluded.set_by, "
                "set_at = excluded.set_at", (guild_id, language, set_by, utcnow()),
            )

    async def member_language(self, user_id: int) -> str | None:
        """The member's setting, or None when they never chose."""
        return await self._one("SELECT language FROM member_languages WHERE user_id = ?", (user_id,))

    async def member_languages(self) -> dict[int, str]:
        """Every member's setting, for the DM fan-out (one query, however many subscribers)."""
        return {int(r[0]): r[1] for r in await self._all("SELECT user_id, language FROM member_languages")}

    async def set_member_language(self, user_id: int, language: str) -> None:
        async with self.transaction() as db:
            await db.execute(
                "INSERT INTO member_languages (user_id, language, set_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET language = excluded.language, set_at = excluded.set_at",
                (user_id, language, utcnow()),
            )
