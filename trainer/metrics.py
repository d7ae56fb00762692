"""The evaluation metrics live in ``rdrs_gui.core.metrics`` (plain Python, no SQL or Qt), so the
app's agreement view scores two annotators' chains with the very scorer that scores models;
``trainer.metrics`` stays the name the trainer and its tests use."""
from rdrs_gui.core.metrics import *  # noqa: F401,F403
from rdrs_gui.core.metrics import (__all__, _Aligned, _blanc_counts,  # noqa: F401 - used by the scorer tests
                                   _blanc_counts_by_sets)
