"""Background jobs (training, pre-annotation): their state, progress and log, for the jobs panel."""
from __future__ import annotations

from sqlalchemy import select, update

from ..errors import StoreError
from .base import StoreBase
from .bulk import insert_ids
from .models import Job, utcnow
from .rows import JobRow


class Jobs(StoreBase):
    def add_job(self, kind: str, args: dict) -> int:
        with self._tx() as s:
            now = utcnow()
            return insert_ids(s, Job.__table__, [{"kind": kind, "args": dict(args), "state": "queued",
                                                  "progress": 0.0, "message": "", "created": now,
                                                  "updated": now}])[0]

    def update_job(self, job_id: int, state: str | None = None, progress: float | None = None,
                   log_path: str | None = None, message: str | None = None) -> None:
        values = {k: v for k, v in (("state", state), ("progress", progress), ("log_path", log_path),
                                    ("message", message)) if v is not None}
        with self._tx() as s:
            done = s.execute(update(Job).where(Job.id == job_id).values(updated=utcnow(), **values))
            if done.rowcount == 0:
                raise StoreError(f"no job with id {job_id}")

    def list_jobs(self) -> list[JobRow]:
        with self._read() as s:
            return [JobRow(j.id, j.kind, dict(j.args or {}), j.state, j.progress, j.log_path, j.message,
                           j.created, j.updated) for j in s.scalars(select(Job).order_by(Job.id))]
