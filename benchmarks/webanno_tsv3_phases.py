"""Where the CPU of a WebAnno TSV3 import and export goes, phase by phase, in one process.

``import_export_cli.py`` times the whole ``rdrs import`` / ``rdrs export`` of 10,000 reviews
against the 3 s target; this script splits that work into its phases, on the same synthetic
reviews (``import_export.synthetic``, written as real .tsv files), with the garbage collector
paused as the CLI pauses it, and prints CPU seconds per phase and per file:

- import, before reading: listing the folder and checking each file's first line (serial: the
  reader processes start after it);
- import, per file: reading the text, parsing it (``webanno_tsv3.parse``), ``Document.problems``;
- export, per document: loading it from SQLite (``Store.documents_by_id``), rendering it
  (``_tsv3_write.serialize``) and writing the file (``FolderWriter``).

The CLI spreads these over forked processes (see ``formats/_parallel.py``, ``export_files.py``);
the sum of the phases is the CPU the machine has to find, the serial part comes first.

    python benchmarks/webanno_tsv3_phases.py [--documents 10000] [--in FOLDER_OF_TSV]
"""
from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from import_export import synthetic  # noqa: E402
from rdrs_gui.core import services  # noqa: E402
from rdrs_gui.core.formats import webanno_tsv3 as tsv3  # noqa: E402
from rdrs_gui.core.formats._tsv3_write import serialize  # noqa: E402
from rdrs_gui.core.store import Store  # noqa: E402
from rdrs_gui.core.textio import FolderWriter, read_text  # noqa: E402


def phase(name: str, count: int, started: float) -> float:
    spent = time.process_time() - started
    print(f"  {name:<44} {spent:6.2f} s CPU  {spent / count * 1e6:7.1f} us each")
    return time.process_time()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--in", dest="folder", type=Path, help="a folder of .tsv files instead of synthetic reviews")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rdrs-tsv3-phases-") as tmp:
        folder = args.folder
        if folder is None:
            folder = Path(tmp) / "in"
            tsv3.write(synthetic(args.documents, args.seed), folder)
        gc.collect()
        gc.disable()
        started = time.process_time()
        listed = tsv3._tsv_files(folder)
        files = [file for file, _ in listed if tsv3._first_line(file).startswith("#FORMAT=WebAnno TSV")]
        n = len(files)
        print(f"import of {n} WebAnno TSV3 files ({folder}), one process:")
        started = phase("listing and first lines (serial)", n, started)
        texts = [read_text(file) for file in files]
        started = phase("reading the texts", n, started)
        docs = [tsv3.parse(text, file, Path(file).stem)[0] for text, file in zip(texts, files)]
        started = phase("parsing (webanno_tsv3.parse)", n, started)
        for doc in docs:
            doc.problems()
        phase("Document.problems", n, started)
        del texts, docs
        db = Path(tmp) / "phases.sqlite"
        with Store.open(db) as store:
            services.import_paths(store, [folder], "webanno-tsv3")
            ids = store.export_ids()
            print(f"export of {len(ids)} documents, one process:")
            started = time.process_time()
            docs = list(store.documents_by_id(ids))
            started = phase("loading from SQLite (documents_by_id)", n, started)
            rendered = [(f"{doc.name}.tsv", serialize(doc, doc.name)) for doc in docs]
            started = phase("rendering (_tsv3_write.serialize)", n, started)
            writer = FolderWriter(Path(tmp) / "out")
            for name, text in rendered:
                writer.write(name, text)
            phase("writing the files (FolderWriter.write)", n, started)
            writer.commit()
        gc.enable()
    return 0


if __name__ == "__main__":
    sys.exit(main())
