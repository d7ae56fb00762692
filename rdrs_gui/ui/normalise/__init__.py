"""Normalisation in the app: the coder's terminology lookups and the normalisation view."""
