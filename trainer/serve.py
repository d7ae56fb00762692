"""``python -m trainer serve --model DIR``: a long-lived prediction worker for the app.

The model loads once; requests and answers are JSON lines (stdin -> stdout, one object each):

    {"id": 1, "op": "predict", "documents": [{"name": "r1", "text": "..."}]}
        -> {"id": 1, "documents": [{"name": "r1", "spans": [{"id": "", "labels": ["ADR"],
                                    "fragments": [[5, 12]], "attrs": {}, "origin": "model:v1",
                                    "status": "suggested", "score": 0.93}]}]}
    {"id": 2, "op": "info"}     -> {"id": 2, "kind": "tagger", "version": ..., "tags": [...], "device": ...}
    {"id": 3, "op": "shutdown"} -> {"id": 3, "ok": true}, then the worker exits
    anything wrong               -> {"id": ..., "error": "one-line message"}; the worker keeps going

At start the worker prints ``{"event": "ready", ...info}``, or ``{"event": "failed", "error": ...}``
and exits 1 when the model cannot be loaded. Only protocol lines go to stdout; anything a
library prints goes to stderr.

Extension point: the bundle's ``config.json`` ``kind`` selects the predictor class in
``PREDICTORS``: a ``trainer.predictor.Predictor`` built as ``cls(directory, device=...)``, whose
``info() -> dict`` and ``serve(documents: list[dict]) -> dict`` answer (without ``id``; a coreference model
answers ``chains``, a classifier ``adr_prob``). Spans and chains travel as the JSONL format's own
objects (``rdrs_gui.core.formats.jsonl.span_to_dict`` / ``chain_to_dict``, read back with
``span_from_dict`` / ``chain_from_dict``): one wire format between workers, files and the store.
"""
from __future__ import annotations

import argparse
import importlib
import json
import sys
from typing import IO

from rdrs_gui.core.errors import RdrsError

from . import bundle
from .device import configure_threads
from .predictor import Predictor

PREDICTORS = {"tagger": "trainer.tagger.predict:TaggerPredictor",
              "coref": "trainer.coref.predict:CorefPredictor",
              "classifier": "trainer.classifier.predict:ClassifierPredictor"}


def load_predictor(directory: str, device: str = "auto") -> Predictor:
    kind = bundle.read_config(directory).get("kind")
    if kind not in PREDICTORS:
        raise bundle.BundleError(f"{directory}: no predictor for models of kind {kind!r} "
                                 f"(known: {', '.join(PREDICTORS)})")
    module, name = PREDICTORS[kind].split(":")
    return getattr(importlib.import_module(module), name)(directory, device=device)


def handle(predictor: Predictor, request: object) -> tuple[dict, bool]:
    """The answer to one request, and whether the worker should stop afterwards."""
    if not isinstance(request, dict):
        return {"id": None, "error": "a request must be a JSON object"}, False
    rid = request.get("id")
    op = request.get("op")
    if op == "info":
        return {"id": rid, **predictor.info()}, False
    if op == "shutdown":
        return {"id": rid, "ok": True}, True
    if op != "predict":
        return {"id": rid, "error": f"unknown op {op!r}; use predict, info or shutdown"}, False
    documents = request.get("documents")
    if not isinstance(documents, list) or not all(isinstance(d, dict) and isinstance(d.get("text"), str)
                                                  for d in documents):
        return {"id": rid, "error": "'documents' must be a list of objects with a 'text' string"}, False
    return {"id": rid, **predictor.serve(documents)}, False


def run(predictor: Predictor, requests: IO[str], answers: IO[str]) -> None:
    def say(obj: dict) -> None:
        answers.write(json.dumps(obj, ensure_ascii=False) + "\n")
        answers.flush()

    for line in requests:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError as exc:
            say({"id": None, "error": f"not a JSON line: {exc.msg} at column {exc.colno}"})
            continue
        try:
            answer, done = handle(predictor, request)
        except Exception as exc:  # noqa: BLE001 - one bad request must never kill the worker
            answer, done = {"id": request.get("id") if isinstance(request, dict) else None,
                            "error": f"{type(exc).__name__}: {exc}"}, False
        say(answer)
        if done:
            return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer serve", description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    protocol = sys.stdout
    sys.stdout = sys.stderr  # stray prints of libraries must not corrupt the protocol
    configure_threads()
    try:
        predictor = load_predictor(args.model, args.device)
    except (RdrsError, OSError, ValueError, RuntimeError) as exc:
        protocol.write(json.dumps({"event": "failed", "error": str(exc)}, ensure_ascii=False) + "\n")
        protocol.flush()
        return 1
    protocol.write(json.dumps({"event": "ready", **predictor.info()}, ensure_ascii=False) + "\n")
    protocol.flush()
    run(predictor, sys.stdin, protocol)
    return 0
