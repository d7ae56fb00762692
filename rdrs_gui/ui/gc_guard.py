"""Python's cyclic garbage collector, run on the UI thread only.

Automatic collection starts in whichever thread happens to allocate when a threshold is
crossed. When that is a worker thread (a count, a list query, a reader thread) and the cyclic
garbage holds Qt wrappers of a closed window, Qt objects are destroyed off the thread that owns
them, and Qt crashes (a bus error in CI, inside "Garbage-collecting" on a QThread). So the
automatic collector is switched off and a timer on the UI thread collects with the same
generation thresholds (pyqtgraph's GarbageCollector does the same).
"""
from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 500


class _Collector(QObject):
    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self.setObjectName("rdrsGarbageCollector")
        self.thresholds = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(INTERVAL_MS)

    def check(self) -> None:
        young, middle, old = gc.get_count()
        if young > self.thresholds[0]:
            gc.collect(2 if old > self.thresholds[2] else 1 if middle > self.thresholds[1] else 0)


def collect_on_ui_thread() -> None:
    """Switch automatic collection off; the application's UI-thread collector (installed on the
    first call) does it instead. Call on the UI thread, with a QApplication."""
    app = QCoreApplication.instance()
    if app is None:
        return
    if app.findChild(_Collector, "rdrsGarbageCollector") is None:
        _Collector(app)
    gc.disable()
