"""Coreference: CoNLL-2012 files, an end-to-end mention-ranking model on the shared encoders,
its training, prediction and the ``python -m trainer coref`` command line."""
