"""Small named values the bot keeps between runs (the fan-out cursor, a config digest)."""

from __future__ import annotations

from jobs.store._connection import Connection


class Meta(Connection):
    async def get_meta(self, key: str) -> str | None:
        return await self._one("SELECT value FROM meta WHERE key = ?", (key,))

    async def set_meta(self, key: str, value: str) -> None:
        async with self.transaction() as db:
            await db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
