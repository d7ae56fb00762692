"""PySide6 user interface: thin views over rdrs_gui.core (never imports torch)."""
