"""Usage reports, committed together when they arrive together.

Every report that reaches the recorder while a commit is being prepared joins the same
transaction: one commit, and on SQLite one sync to disk, for all of them. Each report still
gets its own count from its own UPDATE, and none is answered before the commit returns.
"""

import asyncio
from datetime import datetime

from orbito.actions import repository
from orbito.db.engine import Database
from orbito.timefmt import utc_now


class UsageRecorder:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._waiting: list[tuple[str, str, asyncio.Future[int | None]]] = []

    async def record(self, website_id: str, action_id: str) -> int | None:
        """The action's new usage count, or None if the website has no such action."""
        future: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((website_id, action_id, future))
        if len(self._waiting) == 1:
            # Let the reports already received in this turn of the loop join the batch.
            asyncio.get_running_loop().call_soon(self._start_commit)
        return await future

    def _start_commit(self) -> None:
        batch, self._waiting = self._waiting, []
        asyncio.ensure_future(self._commit(batch, utc_now()))

    async def _commit(
        self, batch: list[tuple[str, str, asyncio.Future[int | None]]], now: datetime
    ) -> None:
        reports = [(website_id, action_id) for website_id, action_id, _ in batch]
        try:
            counts = await self.db.write(repository.record_usages, reports, now)
        except Exception as error:  # every report of a failed commit gets its error
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, _, future), count in zip(batch, counts, strict=True):
            if not future.done():
                future.set_result(count)
