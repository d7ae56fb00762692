"""Dialogs of the main window: first launch, import/export with progress, shortcuts."""
