"""The ``rdrs`` program: the CLI (``cli.main``) run as a one-shot process.

Python's cyclic garbage collector finds nothing while the program's modules import, nor in what
is left when it exits, yet walks every object it tracks each time: about 0.15 s of every
command (40-70 ms of collections during start-up, ~0.1 s for the final one at exit). So it is
off while importing, and what remains at the end is frozen out of the final collection.
Commands that run long (training, pre-annotation) run with it on.
"""
from __future__ import annotations

import gc
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    gc.disable()
    try:
        from .cli import main as cli_main
    finally:
        gc.enable()
    code = cli_main(argv)
    gc.freeze()
    return code
