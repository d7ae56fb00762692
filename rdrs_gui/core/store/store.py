"""The persistent store: documents, annotations per annotator layer, models and jobs.

``Store`` is assembled from one class per responsibility, each in its own module on the shared
``StoreBase`` (engine, transactions, layer lookups): ``Documents`` (projects, import, listing,
loading, review state), ``Edits`` (the unit of work of the editor), ``Suggestions`` (a model's
suggestions merged by ``rdrs_gui.core.merge``), ``Registry`` (model versions),
``EvaluationSet``, ``Settings``, ``Jobs``, ``Team`` (assignments, single layers, bulk
curation) and ``Terminologies`` (imported MedDRA, ICD-10, ATC). Every public method is one short transaction, so a crash loses at most the action in flight; an import is one transaction for the whole batch
(all or nothing). Methods take and return plain ``Document``/``Span``/row objects, never ORM
objects.
"""
from __future__ import annotations

from .documents import Documents
from .edits import Edits
from .evaluation import EvaluationSet
from .jobs import Jobs
from .registry import Registry
from .settings import Settings
from .suggestions import Suggestions
from .team import Team
from .terminology import Terminologies


class Store(Team, Documents, Edits, Suggestions, Registry, EvaluationSet, Settings, Jobs, Terminologies):
    """One open database with every responsibility of the store."""
