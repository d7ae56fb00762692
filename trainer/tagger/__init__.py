"""The multi-tag sequence tagger (RDRS paper, model B): data, model, training, prediction, CLI."""
