"""Dockable side panels of the main window: thin views over the current EditSession and schema."""
