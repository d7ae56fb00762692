"""``rdrs-gui``: the desktop app.

    rdrs-gui [--db PATH_OR_URL] [--open DOCUMENT] [--annotator NAME] [--screenshot OUT.png]

First launch opens the per-user database (no dialog to fill), asks the annotator's name once
and offers the demo project; later launches reopen the same database, document and scroll
position. ``--screenshot`` renders the window offscreen with that document and exits, for docs
and checks. ``RDRS_DB`` moves the default database and ``RDRS_GUI_CONFIG_DIR`` the settings,
so tests never touch the user's own.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

SCREENSHOT_SIZE = (1500, 900)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rdrs-gui", description="Annotation workbench for Russian drug reviews.")
    parser.add_argument("--db", metavar="PATH_OR_URL",
                        help="database file or SQLAlchemy URL (default: the last one used, else the "
                             "per-user database; env RDRS_DB)")
    parser.add_argument("--open", metavar="DOCUMENT", help="document id or name to open")
    parser.add_argument("--annotator", metavar="NAME", help="annotate as NAME (remembered)")
    parser.add_argument("--screenshot", metavar="OUT.png",
                        help="render the main window to OUT.png and exit (works without a display)")
    parser.add_argument("--demo", action="store_true",
                        help="load the demo project into the database first if it is not there")
    parser.add_argument("--config-dir", metavar="DIR", help="settings folder (default: per user; env RDRS_GUI_CONFIG_DIR)")
    parser.add_argument("--language", choices=["en", "ru"],
                        help="interface language (remembered; default: the system locale)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.screenshot and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    # Qt is imported only now, so --help works without a display and the platform is chosen first.
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication, QMessageBox

    from rdrs_gui.core.errors import RdrsError
    from rdrs_gui.core.store import Store, default_db_path

    from . import i18n
    from . import settings as app_settings
    from .dialogs.annotator import AnnotatorDialog, login_name
    from .main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app_settings.configure(args.config_dir)
    settings = app_settings.AppSettings()
    if args.language:
        settings.language = args.language
    i18n.install(app, settings.language)

    target = args.db or settings.last_database() or str(default_db_path())
    try:
        store = Store.open(target)
    except RdrsError as exc:
        if args.screenshot or args.db:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        fallback = default_db_path()
        QMessageBox.warning(None, QCoreApplication.translate("App", "Cannot open database"),
                            QCoreApplication.translate("App", "{error}\n\nOpening the default database {fallback} "
                                                       "instead; use File → Open database to choose another.")
                            .format(error=exc, fallback=fallback))
        try:
            store = Store.open(fallback)
        except RdrsError as exc2:
            QMessageBox.critical(None, QCoreApplication.translate("App", "Cannot open database"),
                                 QCoreApplication.translate("App", "{error}\n\nStart rdrs-gui with --db PATH.").format(
                                     error=exc2))
            return 2
    settings.add_recent_database(store.url)

    annotator = args.annotator or settings.annotator
    if not annotator and not args.screenshot:
        dialog = AnnotatorDialog()
        dialog.exec()  # asked once, before the window exists: nothing else can happen meanwhile
        annotator = dialog.name()
    annotator = annotator or login_name() or "annotator"
    if args.annotator or not args.screenshot:
        settings.annotator = annotator

    window = MainWindow(store, annotator, settings)   # with the model loop (rdrs_gui.ui.loop)
    window.keep_help_menu_last()
    if args.demo:
        _load_demo_now(app, window)
    if args.screenshot:
        return _screenshot(app, window, args.open, Path(args.screenshot))
    window.show()
    window.restore_position(args.open)
    return app.exec()   # the window closes the database when it closes


def _load_demo_now(app, window) -> None:  # noqa: ANN001 - QApplication, MainWindow
    """Import the demo project and wait for it (command line use: docs, screenshots)."""
    runner = window.load_demo()
    while runner is not None and runner.report is None:
        app.processEvents()
        runner.task.wait(20)


def _screenshot(app, window, open_ref: str | None, out: Path) -> int:  # noqa: ANN001
    from PySide6.QtCore import QTimer

    from rdrs_gui.core.store.location import shown_url

    window.resize(*SCREENSHOT_SIZE)
    window.show()
    if not window.restore_position(open_ref):
        print(f"error: no document {open_ref!r} in {shown_url(window.store.url)}", file=sys.stderr)
        window.close()
        return 2
    # Let layouts settle and the status-bar count arrive before grabbing.
    deadline = [40]

    def grab() -> None:
        deadline[0] -= 1
        if window.tasks.busy() and deadline[0] > 0:
            QTimer.singleShot(25, grab)
            return
        app.processEvents()
        out.parent.mkdir(parents=True, exist_ok=True)
        ok = window.grab().save(str(out))
        window.close()
        app.exit(0 if ok else 1)

    QTimer.singleShot(50, grab)
    code = app.exec()
    if code:
        print(f"error: could not write {out}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
