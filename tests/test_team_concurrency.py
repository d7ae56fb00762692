"""Two people at once: separate processes (two annotators and a curator) edit one document of one
database at the same time, each action its own transaction, and no edit is lost; each layer's
version counts its writes and names the last writer, so a third client sees what changed under
it. On SQLite, and on PostgreSQL when RDRS_TEST_POSTGRES_URL names a scratch database."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rdrs_gui.core.document import Document
from rdrs_gui.core.store import Store

REPO = Path(__file__).resolve().parents[1]
EDITS = 25
TEXT = " ".join(f"слово{i:02d}" for i in range(3 * EDITS))

WORKER = textwrap.dedent("""
    import sys, time
    from rdrs_gui.core.document import Span
    from rdrs_gui.core.editing import EditSession
    from rdrs_gui.core.store import Store

    url, doc_id, layer = sys.argv[1], int(sys.argv[2]), sys.argv[3] or None
    first, count = int(sys.argv[4]), int(sys.argv[5])
    with Store.open(url) as store:
        session = EditSession(store, doc_id, layer)        # loaded once, like an open editor
        text = session.text
        for i in range(first, first + count):
            start = text.index(f"слово{i:02d}")
            session.add_span(Span({"ADR"}, [(start, start + 7)]))   # one action, one transaction
            time.sleep(0.005)
        print(store.client)
""")


@pytest.mark.slow
def test_two_annotators_and_a_curator_at_once_lose_no_edit(database_url):
    url = database_url
    with Store.open(url) as store:
        (doc_id,) = store.import_documents([Document("r1", TEXT)]).document_ids
        before = store.layer_version(doc_id, None)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    layers = {"anna": 0, "boris": EDITS, "": 2 * EDITS}      # "" = the curator's shared layer
    workers = {layer: subprocess.Popen([sys.executable, "-c", WORKER, url, str(doc_id), layer, str(first),
                                        str(EDITS)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                       env=env)
               for layer, first in layers.items()}
    clients = {}
    for layer, process in workers.items():
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        clients[layer] = out.strip()
    with Store.open(url) as store:
        for layer, first in layers.items():
            (doc,) = store.layer_documents(layer or None, [doc_id])
            words = sorted(s.covered_text(TEXT) for s in doc.spans)
            assert words == [f"слово{i:02d}" for i in range(first, first + EDITS)], layer
            assert store.layer_version(doc_id, layer or None) == (EDITS, clients[layer])
        assert before == (0, "")
        assert len(set(clients.values())) == 3 and store.client not in clients.values()
        keys = store.document_keys(doc_id)["T"]
        assert len(keys) == 3 * EDITS                              # every key unique in the document
