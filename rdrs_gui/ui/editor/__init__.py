"""The span editor: custom-painted text with span lanes, keyboard-first editing, undo commands."""
from .commands import SessionCommand
from .widget import SpanEditor

__all__ = ["SpanEditor", "SessionCommand"]
