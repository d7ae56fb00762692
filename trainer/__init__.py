"""Qt-free, SQL-free machine learning: encoders, multi-tag tagger, coreference model, ADR
classifier, metrics and model bundles. Talks to the rest only through the document model,
the formats and files; run it as ``python -m trainer``."""
