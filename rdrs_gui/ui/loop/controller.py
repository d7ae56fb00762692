"""The model loop behind the window: retraining jobs, batch pre-annotation and the registry,
all outside the UI thread, reported through Qt signals.

Training runs as queued subprocesses (the job queue's runner thread only waits on them);
pre-annotation runs in the long-lived pre-annotation process (jobs.service), which owns the
model workers and writes the suggestions, so no model work and no bulk SQL share the GUI
process's interpreter. Callbacks arrive on reader threads; they only post to a private,
never-disconnected queued signal, and the public signals are emitted on the UI thread. (Emitting
the public signals from a reader thread raced with receivers disconnecting on the UI thread and
crashed PySide6.)
"""
from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

from rdrs_gui.core.errors import RdrsError
from rdrs_gui.core.store import ModelRow, Store
from rdrs_gui.jobs import registry
from rdrs_gui.jobs.evaluation import EvaluationRequest
from rdrs_gui.jobs.queue import JobQueue
from rdrs_gui.jobs.service import SERVED, PreannotationService, progress_of, summary_of
from rdrs_gui.jobs.training import TrainingRequest, TrainingResult

ENCODER_SETTING, MINUTES_SETTING = "train.encoder", "train.max_minutes"


class LoopController(QObject):
    jobEvent = Signal(int, object)        # job id, a trainer progress event (or queued/started)
    jobFinished = Signal(int, object)     # job id, TrainingResult
    preannotateStarted = Signal(object)   # PreannotationSummary: the run's scope, before any document
    preannotateProgress = Signal(object)  # preannotate.Progress
    preannotateFinished = Signal(object)  # PreannotationSummary
    documentsPreannotated = Signal(object)  # ids whose suggestions were just stored
    modelsChanged = Signal()              # registered, activated or rolled back
    message = Signal(str)                 # one line for the status bar
    _posted = Signal(object)              # a call from a reader thread, run on the UI thread

    def __init__(self, store: Store, annotator: Callable[[], str | None], parent: QObject | None = None,
                 training_overrides: dict | None = None) -> None:
        super().__init__(parent)
        self._posted.connect(self._run_posted, Qt.ConnectionType.QueuedConnection)
        self._closed = False
        self.store = store
        self.annotator = annotator
        self.training_overrides = dict(training_overrides or {})   # tests: tiny epochs, no syntax
        self.queue = JobQueue(store, on_event=self._from_thread(self.jobEvent.emit),
                              on_finished=self._from_thread(self._finished))
        self.service = PreannotationService(store.url, self._from_thread(self._service_event))
        self._run: int | None = None
        self._runs = 0
        self.batch_size = 32    # documents per request to the model worker
        self.last_result: dict[int, TrainingResult] = {}

    # ---------------------------------------------------------------- threads
    def _from_thread(self, fn: Callable[..., None]) -> Callable[..., None]:
        """``fn`` wrapped so that calling it from any thread runs it later on the UI thread;
        after shutdown (the threads are joined then) nothing is posted any more."""
        def post(*args: object) -> None:
            if not self._closed:
                self._posted.emit((fn, args))
        return post

    def _run_posted(self, call: tuple) -> None:
        fn, args = call
        fn(*args)

    # ---------------------------------------------------------------- training
    def training_request(self, kind: str = "tagger") -> TrainingRequest:
        """A coreference model continues from the active one (e.g. a RuCoCo model registered
        with ``rdrs models --add``), so the project's chains refine it instead of starting over."""
        minutes = self.store.setting(MINUTES_SETTING, 30.0)
        request = TrainingRequest(kind=kind, encoder=str(self.store.setting(ENCODER_SETTING, "embedded")),
                                  max_minutes=float(minutes) if minutes else None, annotator=self.annotator())
        if kind == "coref" and (base := self.store.active_model("coref")) is not None:
            request.init = base.path
        for key, value in self.training_overrides.items():
            setattr(request, key, value)
        return request

    def retrain(self, kind: str = "tagger") -> int | None:
        """Queue a training job (the tagger, the ADR classifier or the coreference model) on the
        documents marked done (and gold); None if refused."""
        try:
            job_id = self.queue.submit(self.training_request(kind))
        except RdrsError as exc:
            self.message.emit(self.tr("Retrain refused: {error}").format(error=exc))
            return None
        running = self.queue.running()
        self.message.emit(self.tr("Training job {id} started").format(id=job_id) if running in (None, job_id)
                          else self.tr("Training job {id} queued; it starts when job {running} ends").format(
                              id=job_id, running=running))
        return job_id

    def rescore(self) -> int | None:
        """Queue scoring of every tagger on the pinned evaluation set."""
        try:
            return self.queue.submit(EvaluationRequest(annotator=self.annotator()))
        except RdrsError as exc:
            self.message.emit(self.tr("Scoring refused: {error}").format(error=exc))
            return None

    def cancel_job(self, job_id: int) -> None:
        if self.queue.cancel(job_id):
            self.message.emit(self.tr("Stopping job {id}; a training job keeps its best checkpoint").format(id=job_id))

    def _finished(self, job_id: int, result: TrainingResult) -> None:
        self.last_result[job_id] = result
        self.jobFinished.emit(job_id, result)
        self.modelsChanged.emit()   # registered, auto-activated or re-scored

    # ---------------------------------------------------------------- registry
    def activate(self, version_or_id: str | int) -> ModelRow:
        model = registry.activate(self.store, version_or_id)
        self.modelsChanged.emit()
        self.message.emit(self.tr("Active {kind} model: {version}").format(kind=model.kind, version=model.version))
        return model

    def rollback(self, kind: str = "tagger") -> ModelRow:
        model = registry.rollback(self.store, kind)
        self.modelsChanged.emit()
        self.message.emit(self.tr("Rolled back: active {kind} model is {version} again").format(
            kind=model.kind, version=model.version))
        return model

    # ---------------------------------------------------------------- pre-annotation
    def preannotating(self) -> bool:
        return self._run is not None

    def active_models(self) -> dict[str, ModelRow]:
        return {kind: m for kind in SERVED if (m := self.store.active_model(kind)) is not None}

    def preannotate(self, scope: dict, force: bool = False, include_done: bool = False) -> str | None:
        """Pre-annotate ``scope`` ({"ids": [...]}, {"query": {...}} or {"unlabelled": True}) in
        the pre-annotation process; documents marked done or curated only with ``include_done``.
        Returns why not, or None when it started."""
        if self.preannotating():
            return self.tr("a pre-annotation is already running; cancel it or wait for it to finish")
        if not self.active_models():
            return self.tr("no active model: train one (Retrain) or activate one in the model registry")
        if "ids" in scope and not scope["ids"]:
            return self.tr("no documents to pre-annotate")
        self._runs += 1
        self._run = self._runs
        try:
            self.service.preannotate(self._run, scope, self.annotator(), force=force, batch_size=self.batch_size,
                                     include_done=include_done)
        except RdrsError as exc:
            self._run = None
            return str(exc)
        return None

    def cancel_preannotation(self, grace: float = 10.0) -> None:
        """Stop after the batch in flight; if the run is still going after ``grace`` s (a hung
        model), the pre-annotation process is stopped and starts again next time."""
        run = self._run
        if run is None:
            return
        self.service.cancel(run)
        timer = threading.Timer(grace, lambda: self.service.kill() if self._run == run else None)
        timer.daemon = True
        timer.start()

    def _service_event(self, event: dict) -> None:
        kind = event.get("event")
        if event.get("run") is not None and event.get("run") != self._run:
            return
        if kind == "started":
            self.preannotateStarted.emit(summary_of(event))
        elif kind == "progress":
            self.preannotateProgress.emit(progress_of(event))
        elif kind == "stored":
            self.documentsPreannotated.emit(list(event.get("ids") or []))
        elif kind == "finished":
            self._run = None
            self.preannotateFinished.emit(summary_of(event))

    # ---------------------------------------------------------------- shutdown
    def shutdown(self, timeout: float = 30.0, wait: bool = True) -> None:
        """Stop everything: pre-annotation after its batch, training keeps its best checkpoint.
        ``wait=False`` (the window closing) asks them to stop and returns at once: nothing
        from them reaches the UI any more, and the UI thread never waits on a process."""
        if not wait:
            self._closed = True
        self.service.close(timeout, wait=wait)
        self.queue.close(timeout, wait=wait)
        self._closed = True
