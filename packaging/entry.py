"""Entry point of the frozen app: one program, named ``rdrs`` or ``rdrs-gui``.

The app starts its model workers, pre-annotation and training as ``sys.executable -m MODULE``
(``rdrs_gui/jobs/paths.py``). In the bundle ``sys.executable`` is this program, so it
understands ``-m MODULE ARGS`` for the bundle's own entry modules too: the subprocesses run
from inside the bundle with no Python installed. Any other first argument goes to the program
its file name says.
"""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

# Modules a subprocess may be started as (``python -m``); nothing else is run that way.
MODULES = ("trainer", "rdrs_gui.jobs.service", "rdrs_gui.cli", "rdrs_gui.ui.app", "rdrs_gui.ui.i18n")


def main() -> int:
    argv = sys.argv[1:]
    if len(argv) >= 2 and argv[0] == "-m":
        module = argv[1]
        if module not in MODULES:
            print(f"error: {module} is not part of this app", file=sys.stderr)
            return 2
        sys.argv = [module, *argv[2:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    if Path(sys.executable).name.removesuffix(".exe") == "rdrs-gui":
        from rdrs_gui.ui.app import main as gui_main
        return gui_main(argv)
    from rdrs_gui.program import main as cli_main
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
