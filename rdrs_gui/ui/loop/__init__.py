"""The model loop in the app: pre-annotate, retrain in the background, compare and activate
model versions. ``install_loop(window)`` is the one hook the main window calls."""
from .install import install_loop

__all__ = ["install_loop"]
