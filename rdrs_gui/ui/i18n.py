"""The interface language, through Qt's own translation machinery.

Every user-visible string is wrapped for Qt (``self.tr("...")`` in QObject subclasses,
``QCoreApplication.translate("Context", "...")`` elsewhere, ``QT_TRANSLATE_NOOP`` for data
declared at import time). The Russian texts live in ``resources/i18n/rdrs_gui_ru.ts`` (Qt
Linguist's format, edited by hand or in Linguist); ``python -m rdrs_gui.ui.i18n build`` turns it
into the ``.qm`` that packaging ships. When no ``.qm`` is there (a source checkout) the ``.ts`` is
read directly, so the app is translated either way.

    python -m rdrs_gui.ui.i18n update     # collect new strings from the code into the .ts
    python -m rdrs_gui.ui.i18n missing    # list strings that have no Russian text yet
    python -m rdrs_gui.ui.i18n set CONTEXT SOURCE RUSSIAN   # give one string its Russian text
    python -m rdrs_gui.ui.i18n build [OUT_DIR]              # .ts -> .qm (pyside6-lrelease)
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLibraryInfo, QLocale, QObject, QTranslator

ROOT = Path(__file__).resolve().parents[2]
I18N_DIR = ROOT / "resources" / "i18n"
CATALOGUE = "rdrs_gui"
SOURCE_DIRS = ("rdrs_gui/ui", "rdrs_gui/jobs")
# The languages the settings offer; the name is shown in its own language.
LANGUAGES = {"en": "English", "ru": "Русский"}
SYSTEM = ""   # the setting's value for "follow the system locale"


# Span and document states are data (stored in English); shown through these.
_STATES = (QT_TRANSLATE_NOOP("Status", "suggested"), QT_TRANSLATE_NOOP("Status", "accepted"),
           QT_TRANSLATE_NOOP("Status", "rejected"), QT_TRANSLATE_NOOP("Status", "gold"),
           QT_TRANSLATE_NOOP("Status", "new"), QT_TRANSLATE_NOOP("Status", "pre-annotated"),
           QT_TRANSLATE_NOOP("Status", "in progress"), QT_TRANSLATE_NOOP("Status", "done"),
           QT_TRANSLATE_NOOP("Status", "curated"), QT_TRANSLATE_NOOP("Status", "queued"),
           QT_TRANSLATE_NOOP("Status", "running"), QT_TRANSLATE_NOOP("Status", "succeeded"),
           QT_TRANSLATE_NOOP("Status", "failed"), QT_TRANSLATE_NOOP("Status", "cancelled"))


# Chain kinds are data too (a source file may bring others, shown as they are).
_CHAIN_KINDS = (QT_TRANSLATE_NOOP("ChainKinds", "Coreference"), QT_TRANSLATE_NOOP("ChainKinds", "Context"))


def kind_text(kind: str) -> str:
    """A chain kind ("Coreference", RDRS "Context") in the interface language."""
    return QCoreApplication.translate("ChainKinds", kind) if kind else kind


def status_text(state: str) -> str:
    """A span's or a document's state in the interface language."""
    return QCoreApplication.translate("Status", state)


# The formats' one-line descriptions live in the core (English); shown through these.
_FORMATS = (
    QT_TRANSLATE_NOOP("Formats", "brat standoff: a folder of .txt + .ann pairs (entities, attributes, relations, coreference)"),
    QT_TRANSLATE_NOOP("Formats", "CoNLL multi-column BIO (one column per tag, overlapping tags allowed); reads plain CoNLL too"),
    QT_TRANSLATE_NOOP("Formats", "CSV/TSV of raw reviews: a text column and an optional id column"),
    QT_TRANSLATE_NOOP("Formats", "JSON lines (native, lossless): one document per line"),
    QT_TRANSLATE_NOOP("Formats", "RDRS JSON (sagteam): reviews with multi-tag entities, relations and coreference"),
    QT_TRANSLATE_NOOP("Formats", "RuCoCo coreference JSON: a file, a folder of files, or the .tar.gz archive"),
    QT_TRANSLATE_NOOP("Formats", "RuDReC JSON lines: one sentence per line, grouped into reviews by file_name"),
    QT_TRANSLATE_NOOP("Formats", "Plain text: one review per .txt file (a file or a folder of them)"),
    QT_TRANSLATE_NOOP("Formats", "WebAnno TSV 3.3 (INCEpTION/WebAnno), one .tsv file per document"),
    QT_TRANSLATE_NOOP("Formats", "UIMA CAS XMI with its type system next to it (INCEpTION, DKPro Core); import only"),
)


def format_description(name: str) -> str:
    """A file format's description in the interface language (the export and import dialogs)."""
    from rdrs_gui.core import formats

    return QCoreApplication.translate("Formats", formats.get(name).DESCRIPTION)


def ts_path(language: str) -> Path:
    return I18N_DIR / f"{CATALOGUE}_{language}.ts"


def qm_path(language: str, folder: Path | None = None) -> Path:
    return (folder or I18N_DIR) / f"{CATALOGUE}_{language}.qm"


def resolve_language(setting: str | None, locale: QLocale | None = None) -> str:
    """The language to show: the user's choice, else the system locale's if we have it, else English."""
    if setting and setting in LANGUAGES:
        return setting
    name = (locale or QLocale.system()).name().split("_")[0]
    return name if name in LANGUAGES else "en"


# ---------------------------------------------------------------------------- the .ts catalogue
@dataclass
class Message:
    context: str
    source: str
    translation: str
    numerus: bool
    forms: list[str]
    finished: bool
    obsolete: bool


def read_ts(path: Path) -> list[Message]:
    """Every message of a Qt Linguist ``.ts`` file (obsolete ones flagged)."""
    out = []
    for ctx in ET.parse(path).getroot().iter("context"):
        name = ctx.findtext("name") or ""
        for msg in ctx.iter("message"):
            tr = msg.find("translation")
            kind = tr.get("type", "") if tr is not None else "unfinished"
            forms = [f.text or "" for f in tr.iter("numerusform")] if tr is not None else []
            out.append(Message(name, msg.findtext("source") or "", (tr.text or "") if tr is not None else "",
                               msg.get("numerus") == "yes", forms, kind == "", kind in ("obsolete", "vanished")))
    return out


def _ru_plural(n: int) -> int:
    if n % 10 == 1 and n % 100 != 11:
        return 0
    return 1 if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else 2


class Translator(QTranslator):
    """One catalogue, from the ``.qm`` when built, else straight from the ``.ts``.

    PySide's ``self.tr()`` passes the class of the *instance* as the context while lupdate files
    the text under the class that *defines* the call; a miss is therefore retried under the
    contexts of the instance class's bases, so inherited code is translated too."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._table: dict[tuple[str, str], Message] | None = None
        self._bases: dict[str, list[str]] = {}
        self.origin = ""

    def load_language(self, language: str, qm_folder: Path | None = None) -> bool:
        qm = qm_path(language, qm_folder)
        if qm.is_file() and self.load(str(qm)):
            self.origin = str(qm)
            return True
        ts = ts_path(language)
        if not ts.is_file():
            return False
        try:
            messages = read_ts(ts)
        except ET.ParseError:
            return False
        self._table = {(m.context, m.source): m for m in messages
                       if m.finished and not m.obsolete and (m.translation or any(m.forms))}
        self.origin = str(ts)
        return True

    def isEmpty(self) -> bool:  # noqa: N802 - Qt override
        return self._table is None and super().isEmpty()

    def translate(self, context: str, source: str, disambiguation: str | None = None,  # noqa: D102
                  n: int = -1) -> str | None:
        for ctx in [context, *self._base_contexts(context)]:
            text = self._lookup(ctx, source, disambiguation, n)
            if text:
                return text
        # None, not "": an empty string would be taken as the translation, and Qt's own texts
        # (key names, standard buttons) would come out blank instead of reaching qtbase's catalogue.
        return None

    def _lookup(self, context: str, source: str, disambiguation: str | None, n: int) -> str:
        if self._table is None:
            return super().translate(context, source, disambiguation, n) or ""
        msg = self._table.get((context, source))
        if msg is None:
            return ""
        if msg.numerus and msg.forms:
            form = msg.forms[min(_ru_plural(max(n, 0)), len(msg.forms) - 1)]
            return form.replace("%n", str(n)) if n >= 0 else form
        return msg.translation

    def _base_contexts(self, context: str) -> list[str]:
        if context not in self._bases:
            cls = _find_class(QObject, context)
            self._bases[context] = [c.__name__ for c in cls.__mro__[1:]] if cls is not None else []
        return self._bases[context]


def _find_class(root: type, name: str) -> type | None:
    stack = [root]
    seen: set[type] = set()
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        if cls.__name__ == name and cls.__module__.startswith("rdrs_gui"):
            return cls
        stack.extend(cls.__subclasses__())
    return None


_installed: list[QTranslator] = []
_current = ["en"]


def current_language() -> str:
    """The language the interface is shown in (data such as guidelines follow it)."""
    return _current[0]


def install(app: QCoreApplication, setting: str | None, qm_folder: Path | None = None) -> str:
    """Translate the app (ours and Qt's own dialogs) into the chosen or the system language;
    returns the language in use. Calling it again replaces the previous language."""
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    _current[0] = "en"
    language = resolve_language(setting)
    if language == "en":
        return "en"
    ours = Translator(app)
    if not ours.load_language(language, qm_folder):
        return "en"
    _current[0] = language
    qt_own = QTranslator(app)
    if qt_own.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt_own)
        _installed.append(qt_own)
    app.installTranslator(ours)
    _installed.append(ours)
    return language


# ---------------------------------------------------------------------------- maintenance commands
def _tool(name: str) -> str | None:
    local = Path(sys.executable).parent / f"pyside6-{name}"
    return str(local) if local.exists() else shutil.which(f"pyside6-{name}")


def build_qm(language: str = "ru", out_dir: Path | None = None) -> Path:
    """Compile the ``.ts`` into a ``.qm`` with pyside6-lrelease (packaging and tests)."""
    lrelease = _tool("lrelease")
    if lrelease is None:
        raise RuntimeError("pyside6-lrelease not found (it comes with PySide6-Essentials)")
    out = qm_path(language, out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([lrelease, "-silent", str(ts_path(language)), "-qm", str(out)], check=True)
    return out


def update(language: str = "ru", prune: bool = False) -> None:
    """Collect the wrapped strings of the code into the ``.ts`` (existing translations kept)."""
    lupdate = _tool("lupdate")
    if lupdate is None:
        raise RuntimeError("pyside6-lupdate not found (it comes with PySide6-Essentials)")
    files = sorted(str(p.relative_to(ROOT)) for d in SOURCE_DIRS for p in (ROOT / d).rglob("*.py"))
    I18N_DIR.mkdir(parents=True, exist_ok=True)
    args = [lupdate, *files, "-ts", str(ts_path(language)), "-locations", "none",
            "-source-language", "en", "-target-language", language, "-silent"]
    if prune:
        args.append("-no-obsolete")
    subprocess.run(args, check=True, cwd=ROOT)


def set_translation(context: str, source: str, text: str, language: str = "ru") -> bool:
    """Give one collected string its translation; False if the .ts has no such string."""
    path = ts_path(language)
    tree = ET.parse(path)
    for ctx in tree.getroot().iter("context"):
        if ctx.findtext("name") != context:
            continue
        for msg in ctx.iter("message"):
            if msg.findtext("source") != source:
                continue
            tr = msg.find("translation")
            if tr is None:
                tr = ET.SubElement(msg, "translation")
            tr.attrib.pop("type", None)
            if msg.get("numerus") == "yes":
                for child in list(tr):
                    tr.remove(child)
                for form in text.split("|"):
                    ET.SubElement(tr, "numerusform").text = form
            else:
                tr.text = text
            tmp = path.with_suffix(".ts.tmp")
            tree.write(tmp, encoding="utf-8", xml_declaration=True)
            tmp.replace(path)
            return True
    return False


def missing(language: str = "ru") -> list[Message]:
    return [m for m in read_ts(ts_path(language)) if not m.obsolete and not m.finished]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rdrs_gui.ui.i18n", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("update", help="collect wrapped strings from the code into the .ts")
    up.add_argument("--prune", action="store_true", help="drop strings no longer in the code")
    sub.add_parser("missing", help="list strings without a translation")
    st = sub.add_parser("set", help="set one translation (numerus forms separated by |)")
    st.add_argument("context")
    st.add_argument("source")
    st.add_argument("translation")
    bd = sub.add_parser("build", help="compile the .ts into a .qm")
    bd.add_argument("out_dir", nargs="?", type=Path)
    for p in (up, st, bd):
        p.add_argument("--language", default="ru")
    args = parser.parse_args(argv)
    if args.command == "update":
        update(args.language, args.prune)
    elif args.command == "missing":
        todo = missing()
        for m in todo:
            print(f"{m.context}\t{m.source!r}")
        print(f"{len(todo)} without a translation", file=sys.stderr)
        return 1 if todo else 0
    elif args.command == "set":
        if not set_translation(args.context, args.source, args.translation, args.language):
            print(f"error: no string {args.source!r} in context {args.context!r}; run `update` first", file=sys.stderr)
            return 2
        update(args.language)   # lupdate rewrites the file in its own layout
    elif args.command == "build":
        print(build_qm(args.language, args.out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
