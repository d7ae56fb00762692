"""The team workflow over a store: automatic curation of every ready document at once, and what
a curator compares on one document (each annotator's version, the places they differ)."""
from __future__ import annotations

from collections.abc import Sequence

from .agreement import overlaps
from .changes import Change
from .curation import (UNANIMOUS, auto_merge, chain_items, curation_changes, document_agreement, span_items,
                       undo_changes)
from .document import DOC_CURATED, DOC_DONE, Document, Fragment
from .store import Store
from .gc_pause import paused_gc


def curate_all(store: Store, project: str, mode: str = UNANIMOUS, min_agreement: float | None = None,
               annotators: list[str] | None = None, redo: bool = False,
               undo: dict[int, list[Change]] | None = None) -> dict:
    """Auto-merge every document whose annotators (those assigned to it, or else those who
    marked it done) have all marked it done, into its shared layer, state curated: one
    transaction for all of them. ``undo``, when given, receives the change sets that take it
    back (``Store.apply_change_sets``), so the bulk merge is one undoable action."""
    with paused_gc():
        return _curate_all(store, project, mode, min_agreement, annotators, redo, undo)


def _curate_all(store: Store, project: str, mode: str, min_agreement: float | None,
                annotators: list[str] | None, redo: bool, undo: dict[int, list[Change]] | None) -> dict:
    layers = store.done_layers(annotators, project=project)
    assigned = store.assignments(project)
    names = list(layers)
    done_by: dict[int, list[str]] = {}
    for name in names:
        for doc_id in layers[name]:
            done_by.setdefault(doc_id, []).append(name)
    ids = sorted(done_by)
    shared = {doc.id: doc for doc in store.layer_documents(None, ids, include_suggestions=True)}
    keys = store.layer_keys(ids)
    skipped = {"below_agreement": 0, "not_ready": 0, "already_curated": 0}
    change_sets, rows = {}, []
    for doc_id in ids:
        who = done_by[doc_id]
        expected = [n for n in assigned.get(doc_id, who) if n in names] or who
        if any(n not in who for n in expected):
            skipped["not_ready"] += 1
            continue
        if shared[doc_id].status == DOC_CURATED and not redo:
            skipped["already_curated"] += 1
            continue
        versions = [layers[n][doc_id] for n in who]
        score = document_agreement(versions)
        if min_agreement is not None and score < min_agreement:
            skipped["below_agreement"] += 1
            continue
        merged = auto_merge(versions, mode)
        change_sets[doc_id] = curation_changes(shared[doc_id], merged, keys[doc_id], store.key_tag)
        rows.append({"id": doc_id, "name": shared[doc_id].name, "annotators": who, "agreement": score,
                     "spans": len(merged.spans), "chains": len(merged.chains),
                     "disagreements": len(merged.disagreements)})
    store.apply_change_sets(change_sets)
    if undo is not None:
        undo.update({doc_id: undo_changes(shared[doc_id], changes) for doc_id, changes in change_sets.items()})
    return {"mode": mode, "documents": rows, "skipped": skipped}


def document_versions(store: Store, doc_id: int) -> dict[str, Document]:
    """Each annotator's own layer of one document, for the annotators who marked it done (in
    annotator order): what a curator compares."""
    out: dict[str, Document] = {}
    for name in store.assignments().get(doc_id, []):
        (doc,) = store.layer_documents(name, [doc_id])
        if doc.status == DOC_DONE:
            out[name] = doc
    return out


def disagreement_regions(versions: Sequence[Document]) -> list[list[Fragment]]:
    """The places where the versions differ, in reading order: each a list of disjoint
    fragments covering a cluster of overlapping mentions not every version has."""
    sets = [span_items(v) for v in versions]
    agreed = set.intersection(*sets) if sets else set()
    loose = sorted({item for s in sets for item in s} - agreed, key=lambda m: (m[1], m[0]))
    regions: list[list[Fragment]] = []
    for item in loose:
        frags = list(item[1])
        for region in regions:
            if overlaps(region, frags):
                region[:] = _union(region + frags)
                break
        else:
            regions.append(_union(frags))
    merged = True
    while merged:    # a later mention may join two regions
        merged = False
        for i in range(len(regions)):
            for j in range(i + 1, len(regions)):
                if overlaps(regions[i], regions[j]):
                    regions[i] = _union(regions[i] + regions.pop(j))
                    merged = True
                    break
            if merged:
                break
    return sorted(regions)


def _union(fragments: list[Fragment]) -> list[Fragment]:
    out: list[list[int]] = []
    for start, end in sorted(fragments):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


def chain_places(versions: Sequence[Document]) -> list[tuple[str, frozenset]]:
    """Where the versions' chains differ: per chain kind, each cluster of chains (from any
    version) linked by shared mentions that not every version has exactly, as ``(kind, mention
    keys)`` in reading order."""
    sets = [chain_items(v) for v in versions]
    agreed = set.intersection(*sets) if sets else set()
    loose = {item for s in sets for item in s} - agreed
    places: list[tuple[str, set]] = []
    for kind, mentions in sorted(loose):
        joined = [p for p in places if p[0] == kind and p[1] & set(mentions)]
        merged = set(mentions).union(*(p[1] for p in joined))
        places = [p for p in places if p not in joined] + [(kind, merged)]
    return sorted(((kind, frozenset(m)) for kind, m in places), key=lambda p: (min(p[1]), p[0]))
