"""Normalisation of mentions (the RDRS paper's §3.3): grouping similar mentions, and suggesting
terminology codes learnt from coded mentions."""
