"""What the model loop added to the store (revision 0002): data snapshots and activation
history of model versions, the pinned evaluation set, shared settings, and batched
suggestions that keep the merging rules and never half-store a batch."""
from __future__ import annotations

import pytest

from rdrs_gui.core.document import REJECTED, SUGGESTED, Chain, Document, Mention, Span
from rdrs_gui.core.errors import StoreError
from rdrs_gui.core.store import Store
from rdrs_gui.core.store.engine import make_engine, to_url, upgrade

TEXT = "Пил Нурофен, болела голова."


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "s.sqlite") as s:
        yield s


def test_a_first_revision_database_keeps_its_models_after_the_upgrade(tmp_path):
    path = tmp_path / "old.sqlite"
    engine = make_engine(to_url(path))
    upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO model_versions (id, kind, path, version, metrics, documents, created, "
                             "device, active) VALUES (1, 'tagger', '/m', 'old-1', '{}', '[1]', "
                             "'2024-01-01 00:00:00', 'cpu', 1)")
    engine.dispose()
    with Store.open(path) as store:
        (model,) = store.list_models()
        assert (model.version, model.active, model.snapshot, model.activated) == ("old-1", True, {}, None)
        assert store.eval_set() == [] and store.setting("auto_activate", False) is False


def test_rollback_returns_to_the_previously_active_version(store):
    for n in (1, 2, 3):
        store.register_model("tagger", f"/m{n}", f"v{n}", {}, [n], "cpu", snapshot={"train": [n]})
    store.activate_model("v1")
    store.activate_model("v3")
    store.activate_model("v2")
    assert store.rollback_model("tagger").version == "v3"
    assert store.rollback_model("tagger").version == "v2"
    assert store.model("v3").snapshot == {"train": [3]}
    store.update_model_metrics("v2", {"eval": {"macro_f1": 0.5}})
    assert store.model("v2").metrics["eval"] == {"macro_f1": 0.5}
    with pytest.raises(StoreError, match="no earlier active coref model"):
        store.rollback_model("coref")


def test_evaluation_set_and_settings(store):
    ids = store.import_documents([Document(f"d{i}", TEXT) for i in range(3)]).document_ids
    store.set_eval_set([ids[2], ids[0]])
    assert store.eval_set() == [ids[0], ids[2]]
    with pytest.raises(StoreError, match="evaluation set was not changed"):
        store.set_eval_set([ids[1], 999])
    assert store.eval_set() == [ids[0], ids[2]]
    store.set_setting("auto_activate", True)
    assert store.setting("auto_activate") is True
    store.set_setting("auto_activate", None)
    assert store.setting("auto_activate", "unset") == "unset"


def test_batched_suggestions_are_all_or_nothing_and_keep_other_kinds(store):
    a, b = store.import_documents([Document("a", TEXT), Document("b", TEXT)]).document_ids
    drug = Span({"DrugName"}, [(4, 11)])
    chain = Chain([Mention([(4, 11)]), Mention([(13, 19)])])
    store.apply_suggestions(a, [drug], [chain], "coref-1", "anna")
    store.update_span(a, Span({"DrugName"}, [(4, 11)], status=REJECTED, origin="model:coref-1",
                              id=next(s.id for s in store.load_document(a, "anna").spans)))
    with pytest.raises(StoreError, match="no document with id 999"):
        store.apply_suggestions_many([(b, [drug], None, {"preannotated_by": "v2"}), (999, [drug], None, None)], "v2")
    assert store.document_meta(b) == {} and store.load_document(b).spans == []    # nothing of the batch stayed
    counts = store.apply_suggestions_many([(a, [drug, Span({"ADR"}, [(13, 26)])], None, {"uncertainty": 0.3}),
                                           (b, [drug], None, {"uncertainty": None})], "v2", "anna")
    assert counts == [1, 1]                                   # the rejected DrugName is not offered again
    doc = store.load_document(a, "anna")
    assert [c.status for c in doc.chains] == [SUGGESTED]      # chains=None kept the pending chain
    assert store.document_meta(a) == {"uncertainty": 0.3}
    with pytest.raises(StoreError, match="twice"):
        store.apply_suggestions_many([(a, [], None, None), (a, [], None, None)], "v3")
