"""The model registry: trained bundles with their metrics and training data, which one of each
kind is active, and rolling back to the one active before."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import StoreError
from .base import StoreBase
from .bulk import insert_ids
from .models import ModelVersion, utcnow
from .rows import ModelRow


class Registry(StoreBase):
    def register_model(self, kind: str, path: str | Path, version: str, metrics: dict,
                       documents: Iterable[int], device: str, active: bool = False,
                       snapshot: dict | None = None) -> int:
        """Record a trained bundle; ``documents`` are its training documents, ``snapshot`` the
        whole data snapshot (train / dev / eval ids, the training file's hash)."""
        with self._tx() as s:
            if s.scalar(select(ModelVersion.id).where(ModelVersion.version == version)) is not None:
                raise StoreError(f"a model version {version!r} is already registered")
            model_id = insert_ids(s, ModelVersion.__table__, [{
                "kind": kind, "path": str(path), "version": version, "metrics": dict(metrics),
                "documents": list(documents), "created": utcnow(), "device": device, "active": False,
                "snapshot": dict(snapshot) if snapshot is not None else None}])[0]
            if active:
                self._activate(s, model_id)
        return model_id

    def list_models(self, kind: str | None = None) -> list[ModelRow]:
        with self._read() as s:
            query = select(ModelVersion).order_by(ModelVersion.id)
            if kind is not None:
                query = query.where(ModelVersion.kind == kind)
            return [_model_row(m) for m in s.scalars(query)]

    def activate_model(self, version_or_id: str | int) -> None:
        """Make one model the active one of its kind; the others of that kind stay available."""
        with self._tx() as s:
            column = ModelVersion.id if isinstance(version_or_id, int) else ModelVersion.version
            model_id = s.scalar(select(ModelVersion.id).where(column == version_or_id))
            if model_id is None:
                raise StoreError(f"no model {version_or_id!r}")
            self._activate(s, model_id)

    @staticmethod
    def _activate(s: Session, model_id: int) -> None:
        kind = s.scalar(select(ModelVersion.kind).where(ModelVersion.id == model_id))
        s.execute(update(ModelVersion).where(ModelVersion.kind == kind).values(active=ModelVersion.id == model_id))
        s.execute(update(ModelVersion).where(ModelVersion.id == model_id).values(activated=utcnow()))

    def model(self, version_or_id: str | int) -> ModelRow:
        with self._read() as s:
            column = ModelVersion.id if isinstance(version_or_id, int) else ModelVersion.version
            found = s.scalar(select(ModelVersion).where(column == version_or_id))
            if found is None:
                raise StoreError(f"no model {version_or_id!r}")
            return _model_row(found)

    def rollback_model(self, kind: str) -> ModelRow:
        """Re-activate the version of ``kind`` that was active before the current one."""
        with self._tx() as s:
            current = s.scalar(select(ModelVersion.id).where(ModelVersion.kind == kind, ModelVersion.active.is_(True)))
            previous = s.scalar(select(ModelVersion.id).where(
                ModelVersion.kind == kind, ModelVersion.activated.is_not(None),
                ModelVersion.id != (current if current is not None else -1))
                .order_by(ModelVersion.activated.desc(), ModelVersion.id.desc()).limit(1))
            if previous is None:
                raise StoreError(f"no earlier active {kind} model to roll back to")
            self._activate(s, previous)
            return _model_row(s.get(ModelVersion, previous))

    def update_model_metrics(self, version_or_id: str | int, metrics: dict) -> None:
        """Merge ``metrics`` (e.g. a fresh score on the pinned evaluation set) into a model's."""
        with self._tx() as s:
            column = ModelVersion.id if isinstance(version_or_id, int) else ModelVersion.version
            found = s.scalar(select(ModelVersion).where(column == version_or_id))
            if found is None:
                raise StoreError(f"no model {version_or_id!r}")
            s.execute(update(ModelVersion).where(ModelVersion.id == found.id)
                      .values(metrics={**dict(found.metrics or {}), **metrics}))

    def active_model(self, kind: str) -> ModelRow | None:
        with self._read() as s:
            model = s.scalar(select(ModelVersion).where(ModelVersion.kind == kind, ModelVersion.active.is_(True)))
            return _model_row(model) if model else None


def _model_row(m: ModelVersion) -> ModelRow:
    return ModelRow(m.id, m.kind, m.version, m.path, dict(m.metrics or {}), m.created, m.device,
                    bool(m.active), list(m.documents or []), dict(m.snapshot or {}), m.activated)
