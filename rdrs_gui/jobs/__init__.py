"""Background work outside the GUI thread: the model worker subprocess, batch pre-annotation
and training subprocesses with progress and cancel. Qt-free, so the CLI uses it too."""
