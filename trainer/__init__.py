"""Qt-free, SQL-free machine learning: encoders, multi-tag tagger, coreference model, ADR
classifier, metrics and model bundles. Talks to the rest only through the document model,
the formats and files; run it as ``python -m trainer``."""
import os

# Torch's OpenMP threads spin while waiting for work by default. On a desktop whose two cores
# are shared with the GUI and other jobs, spinning threads steal each other's time: measured
# here under load, inference ran 5-10x slower than with sleeping threads. Must be set before
# torch is first imported; an explicit setting in the environment wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
