"""Background work outside the GUI thread, Qt-free so the ``rdrs`` CLI runs the same code:

- worker: client of ``python -m trainer serve`` (one long-lived model process; a pool of them)
- preannotate: batch pre-annotation with the merging rules, resumable
- service: the pre-annotation process the app talks to (owns the workers, writes suggestions)
- training, evaluation: retraining from the store with a data snapshot; re-scoring
- process, queue: JSON-lines progress subprocesses with cancel; one job at a time
- registry, bundles: comparing, activating and checking model versions without torch
"""
