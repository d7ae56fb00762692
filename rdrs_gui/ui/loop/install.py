"""``install_loop(window)``: the one hook that puts the model loop into the main window — a
Model menu and toolbar (Pre-annotate…, Retrain, Train ADR classifier, Retrain coreference, Model registry…,
work-queue order), the Jobs dock with its live curve, a status-bar line for background work,
the training-finished notice, and refreshing the list and the open document as suggestions
arrive.

Every loop action is declared in the window's action registry, so it appears in the
cheat-sheet and the shortcut editor, and a conflicting key is refused there like any other.
"""
from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QProgressBar, QToolBar

from rdrs_gui.jobs.preannotate import PreannotationSummary, Progress
from rdrs_gui.jobs.training import TrainingRequest, TrainingResult, progress_fraction

from ..actions import ActionSpec, tr
from ..i18n import status_text
from .controller import LoopController
from .jobs_panel import JobsPanel, job_message, status_line
from .notice import TrainingNotice
from .preannotate_dialog import PreannotateDialog, progress_text, result_text
from .registry_dialog import RegistryDialog

LOOP = "loop"   # action target: this module's LoopUi
ACTIONS = (
    ActionSpec("model.preannotate", QT_TRANSLATE_NOOP("Actions", "Pre-annotate…"),
               "Model", ("Ctrl+Shift+P",), LOOP, "show_preannotate",
               tip=QT_TRANSLATE_NOOP("Actions", "Let the active model suggest annotations for a batch of documents")),
    ActionSpec("model.retrain", QT_TRANSLATE_NOOP("Actions", "Retrain"), "Model", ("Ctrl+Shift+R",), LOOP, "retrain",
               tip=QT_TRANSLATE_NOOP("Actions",
                   "Train a new model on the documents marked done (and gold); keep working meanwhile")),
    ActionSpec("model.train_classifier", QT_TRANSLATE_NOOP("Actions", "Train ADR classifier"),
               "Model", (), LOOP, "retrain", "classifier",
               tip=QT_TRANSLATE_NOOP("Actions",
                   "Train the classifier that orders the queue by ADR probability: reviews "
                   "marked done with an ADR span count as ADR reports, the others as not")),
    ActionSpec("model.retrain_coref", QT_TRANSLATE_NOOP("Actions", "Retrain coreference"),
               "Model", (), LOOP, "retrain", "coref",
               tip=QT_TRANSLATE_NOOP("Actions",
                   "Train the coreference model on the chains of the documents marked done (and gold), "
                   "continuing from the active coreference model if there is one")),
    ActionSpec("model.registry", QT_TRANSLATE_NOOP("Actions", "Model registry…"),
               "Model", ("Ctrl+Shift+M",), LOOP, "show_registry",
               tip=QT_TRANSLATE_NOOP("Actions", "Compare model versions, activate one, roll back")),
    ActionSpec("model.jobs", QT_TRANSLATE_NOOP("Actions", "Jobs panel"), "Model", (), LOOP, "show_jobs"),
    ActionSpec("model.sort_uncertain", QT_TRANSLATE_NOOP("Actions", "Queue: most uncertain first"),
               "Model", (), LOOP, "sort_queue", "uncertainty",
               tip=QT_TRANSLATE_NOOP("Actions",
                   "Order the document list by model uncertainty: the most useful documents come next")),
    ActionSpec("model.sort_adr", QT_TRANSLATE_NOOP("Actions", "Queue: most likely ADR first"),
               "Model", (), LOOP, "sort_queue", "adr_prob",
               tip=QT_TRANSLATE_NOOP("Actions", "Order the document list by ADR probability")),
)
LIST_REFRESH_MS = 1500


class LoopUi(QObject):
    def __init__(self, window: QMainWindow, controller: LoopController) -> None:
        super().__init__(window)
        self.window = window
        self.controller = controller
        self.preannotate_dialog: PreannotateDialog | None = None
        self.registry_dialog: RegistryDialog | None = None
        self.notices: list[TrainingNotice] = []

        self.jobs = JobsPanel(controller, window)
        self.jobs_dock = QDockWidget(self.tr("Jobs"), window)
        self.jobs_dock.setObjectName("dock-jobs")
        self.jobs_dock.setWidget(self.jobs)
        # A tab beside the suggestions, not a strip under the editor: the text keeps its height.
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.jobs_dock)
        if "suggestions" in getattr(window, "docks", {}):
            window.tabifyDockWidget(window.docks["suggestions"], self.jobs_dock)
        self.jobs_dock.hide()
        self._jobs_shown = False   # shown by the first job only; after that, the user decides
        window.docks["jobs"] = self.jobs_dock

        self.actions = self._create_actions()
        menu = window.menuBar().addMenu(self.tr("&Model"))
        for key in ("model.preannotate", "model.retrain", "model.train_classifier", "model.retrain_coref",
                    "model.registry"):
            menu.addAction(self.actions[key])
        menu.addAction(self.jobs_dock.toggleViewAction())
        menu.addSeparator()
        menu.addAction(self.actions["model.sort_uncertain"])
        menu.addAction(self.actions["model.sort_adr"])
        toolbar = QToolBar(self.tr("Model"), window)
        toolbar.setObjectName("toolbar-model")
        for key in ("model.retrain", "model.preannotate", "model.registry"):
            toolbar.addAction(self.actions[key])
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar
        if hasattr(window, "keep_help_menu_last"):
            window.keep_help_menu_last()

        self.status = QLabel(window)
        self.status.setObjectName("loopStatus")
        self.bar = QProgressBar(window)
        self.bar.setObjectName("loopProgress")
        self.bar.setMaximumWidth(160)
        self.bar.setTextVisible(False)
        window.statusBar().addPermanentWidget(self.status)
        window.statusBar().addPermanentWidget(self.bar)
        self.status.hide()
        self.bar.hide()

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(LIST_REFRESH_MS)
        self._refresh_timer.timeout.connect(window.list_model.refresh)

        controller.message.connect(lambda text: window.statusBar().showMessage(text, 10000))
        controller.jobEvent.connect(self._job_event)
        controller.jobFinished.connect(self._job_finished)
        controller.preannotateProgress.connect(self._preannotate_progress)
        controller.preannotateFinished.connect(self._preannotate_finished)
        controller.documentsPreannotated.connect(self._documents_changed)
        window.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """On window close, stop background work: training keeps its best checkpoint."""
        if obj is self.window and event.type() == QEvent.Type.Close:
            for notice in list(self.notices):
                notice.close()
            self.controller.shutdown(wait=False)   # quitting never waits on a worker process
        return False

    def _create_actions(self) -> dict[str, QAction]:
        registry = self.window.registry
        for spec in ACTIONS:
            registry.register(spec)
        actions = {}
        for spec in ACTIONS:
            action = QAction(tr(spec.text), self.window)
            action.setObjectName(spec.id)
            action.setData(spec.id)
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(self._caller(spec))
            self.window.addAction(action)
            actions[spec.id] = action
        # Bound like the window's own actions, so rebinding in the shortcut editor applies at once.
        for action in actions.values():
            registry._apply_shortcuts(action)   # noqa: SLF001 - the registry has no per-action creator
        registry._created.append(actions)       # noqa: SLF001
        self.window.actions_by_id.update(actions)
        return actions

    def _caller(self, spec: ActionSpec):  # noqa: ANN202
        slot = getattr(self, spec.slot)
        return (lambda *_: slot()) if spec.arg is None else (lambda *_: slot(spec.arg))

    # ---------------------------------------------------------------- commands
    def list_query(self) -> dict:
        """What the document list shows (its filters and order), as a store query."""
        model = self.window.list_model
        return {**model.filters.query(), "order_by": model.order_by, "descending": model.descending}

    def listed_ids(self) -> list[int]:
        return self.controller.store.document_ids(**self.list_query())

    def show_preannotate(self) -> PreannotateDialog:
        if self.preannotate_dialog is None:
            self.preannotate_dialog = PreannotateDialog(self.controller, self.window.current_doc_id,
                                                        self.list_query, self.window)
            self.preannotate_dialog.setObjectName("preannotateDialog")
        self.preannotate_dialog.reopened()
        self.preannotate_dialog.show()
        self.preannotate_dialog.raise_()
        return self.preannotate_dialog

    def retrain(self, kind: str | None = None) -> int | None:
        job = self.controller.retrain(kind or "tagger")
        if job is not None and not self._jobs_shown:
            self.show_jobs()   # once: a closed Jobs panel stays closed (progress is in the status bar)
        return job

    def show_registry(self) -> RegistryDialog:
        if self.registry_dialog is None:
            self.registry_dialog = RegistryDialog(self.controller, self.listed_ids, self.window)
            self.registry_dialog.setObjectName("registryDialog")
        self.registry_dialog.refresh()
        self.registry_dialog.show()
        self.registry_dialog.raise_()
        return self.registry_dialog

    def show_jobs(self) -> None:
        self._jobs_shown = True
        self.jobs_dock.show()
        self.jobs_dock.raise_()

    def sort_queue(self, order_by: str) -> None:
        """Most useful first: sort the list by a column, highest first."""
        from ..document_list import COLUMNS

        column = next((i for i, c in enumerate(COLUMNS) if c.order_by == order_by), None)
        if column is not None:
            self.window.documents.table.sortByColumn(column, Qt.SortOrder.DescendingOrder)
        else:
            model = self.window.list_model
            model.restore_view_state({**model.view_state(), "order_by": order_by, "descending": True})

    # ---------------------------------------------------------------- progress and outcomes
    def _show_status(self, text: str, done: int | None = None, total: int | None = None) -> None:
        self.status.setText(text)
        self.status.show()
        self.bar.show()
        if done is None or not total:
            self.bar.setRange(0, 0)
        else:
            self.bar.setRange(0, total)
            self.bar.setValue(done)

    def _hide_status(self) -> None:
        if not self.controller.preannotating() and not self.controller.queue.busy():
            self.status.hide()
            self.bar.hide()

    def _job_event(self, job_id: int, event: dict) -> None:
        if self.controller.preannotating():
            return   # the batch owns the status line while it runs
        line = status_line(self.jobs.events.get(job_id, [event]))
        share = None
        job = next((j for j in self.jobs.rows if j.id == job_id), None)
        if job is not None and job.kind == "train":
            share = progress_fraction(event, TrainingRequest.from_args(job.args))
        self._show_status(self.tr("Training job {id}: {line}").format(id=job_id, line=line) if line
                          else self.tr("Training job {id}…").format(id=job_id),
                          None if share is None else int(share * 1000), 1000)

    def _job_finished(self, job_id: int, result: TrainingResult) -> None:
        self._hide_status()
        text = job_message(result.message)
        text = text[:1].upper() + text[1:]
        self.window.statusBar().showMessage(self.tr("Job {id} {state}: {text}").format(
            id=job_id, state=status_text(result.state), text=text), 15000)
        job = next((j for j in self.controller.store.list_jobs() if j.id == job_id), None)
        if job is None or job.kind != "train":
            return
        notice = TrainingNotice(self.controller, result, self.show_registry, self.window)
        notice.setObjectName(f"trainingNotice-{job_id}")
        notice.destroyed.connect(lambda *_: self.notices.remove(notice) if notice in self.notices else None)
        self.notices.append(notice)
        notice.show()

    def _preannotate_progress(self, p: Progress) -> None:
        self._show_status(self.tr("Pre-annotating: {progress}").format(progress=progress_text(p)), p.done, p.total)

    def _preannotate_finished(self, summary: PreannotationSummary) -> None:
        self._hide_status()
        self.window.statusBar().showMessage(result_text(summary), 20000)
        self.window.list_model.refresh()

    def _documents_changed(self, ids: list[int]) -> None:
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()
        current = self.window.current_doc_id()
        if current is not None and current in ids:
            # The open document got new suggestions: merged into the open session, undo kept.
            self.window.refresh_open_document()
            self.window.statusBar().showMessage(self.tr("The open document got new suggestions."), 6000)


def install_loop(window: QMainWindow, **controller_options) -> LoopUi:
    """Put the model loop into ``window`` (a MainWindow); returns its LoopUi (``window.loop``)."""
    controller = LoopController(window.store, lambda: window.annotator, window, **controller_options)
    loop = LoopUi(window, controller)
    window.loop = loop
    return loop
