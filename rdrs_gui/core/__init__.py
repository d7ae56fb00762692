"""Qt-free, torch-free domain: documents, tag schema, formats, store and services."""
