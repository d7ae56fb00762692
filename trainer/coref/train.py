"""Training a coreference bundle: one document per step (long ones cropped to a random run of
sentences), Adam, a wall-clock budget, evaluation on held-out documents after each epoch, and
the best epoch kept. Progress goes to ``on_event`` as JSON-ready dicts (``{"event": "epoch",
...}``), the protocol of ``rdrs_gui.jobs.process``; ``should_stop()`` (SIGTERM, a Stop button)
ends training early and the best model so far is still saved."""
from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Callable

import torch

from rdrs_gui.core.document import Document
from rdrs_gui.core.schema import Schema
from rdrs_gui.core.textio import atomic_write_text

from trainer import bundle
from trainer.coref.data import to_example
from trainer.coref.model import DEFAULTS as MODEL_DEFAULTS, CorefModel
from trainer.coref.predict import KIND, crop, predict_prepared, prepare, run
from trainer.coref.score import partition
from trainer.device import pick_device
from trainer.encoders import build_encoder, encoder_config
from trainer.metrics import coref_scores

TRAIN_DEFAULTS = {
    "lr": 1e-3,
    "epochs": 20,
    "max_train_words": 600,   # longer documents: a random run of sentences this long per step
    "clip": 5.0,
    "segment_words": 200,     # transformer encoders: sentences grouped into runs this long
    "seed": 13,
}
SCHEMA = Schema.from_labels("coreference", ["Coreference"])


def evaluate_prepared(model: CorefModel, device, docs: list[Document], prepared) -> dict:
    """Scores of the model's chains against ``docs``' gold chains, in character offsets."""
    results = predict_prepared(model, device, prepared)
    pairs = []
    for doc, p, (clusters, _) in zip(docs, prepared, results):
        starts, ends = p.example.starts, p.example.ends
        response = [[((starts[a], ends[b]),) for a, b in cluster] for cluster in clusters]
        pairs.append((partition(doc), response))
    return coref_scores(pairs)


def coref_encoder_config(encoder: str | dict) -> dict:
    """The encoder config for coreference. ``"embedded"`` means no parser features here: parsing
    RuCoCo's million words took over 5 of 10 budget minutes on the shared two-core machine, and
    navec + characters already tell pronouns and names apart. Pass a dict to choose otherwise."""
    if encoder == "embedded":
        return {"kind": "embedded", "syntax": "none"}
    return encoder_config(encoder)


def _start(init: str | Path | None, encoder: str | dict, model_cfg: dict, sentences) -> CorefModel:
    if init is None:
        return CorefModel(build_encoder(coref_encoder_config(encoder), sentences=sentences), model_cfg)
    config = bundle.read_config(init, kind=KIND)
    model = CorefModel(build_encoder(config["encoder"], directory=init), config["model"])
    bundle.load_weights(init, model, config)
    return model


def train(train_docs: list[Document], dev_docs: list[Document], encoder: str | dict, out: str | Path,
          max_minutes: float | None = None, options: dict | None = None, device: str = "auto",
          on_event: Callable[[dict], None] = lambda e: None,
          should_stop: Callable[[], bool] = lambda: False, init: str | Path | None = None) -> dict:
    """Train on ``train_docs``, pick the epoch with the best average F1 on ``dev_docs`` (the last
    epoch when there are none), save the bundle in ``out`` and return its metrics.

    With ``init`` (a coreference bundle) training continues from that model, e.g. fine-tuning a
    RuCoCo model on RDRS reviews; its encoder and architecture are kept and ``encoder`` and the
    model options are ignored."""
    options = dict(options or {})
    unknown = set(options) - set(TRAIN_DEFAULTS) - set(MODEL_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown coreference training options: {', '.join(sorted(unknown))}")
    train_cfg = {**TRAIN_DEFAULTS, **{k: v for k, v in options.items() if k in TRAIN_DEFAULTS}}
    model_cfg = {**MODEL_DEFAULTS, **{k: v for k, v in options.items() if k in MODEL_DEFAULTS}}
    model_cfg["segment_words"] = train_cfg["segment_words"]
    rng = random.Random(train_cfg["seed"])
    torch.manual_seed(train_cfg["seed"])
    dev = pick_device(device)
    started = time.perf_counter()
    deadline = started + 60 * max_minutes if max_minutes else None
    log: list[dict] = []

    def emit(event: dict) -> None:
        event = {**event, "elapsed_s": round(time.perf_counter() - started, 1)}
        log.append(event)
        on_event(event)

    train_ex = [to_example(d) for d in train_docs]
    train_ex = [e for e in train_ex if len(e)]
    if not train_ex:
        raise ValueError("no training documents with text")
    model = _start(init, encoder, model_cfg, [s for e in train_ex for s in e.sentences]).to(dev.torch_device)
    enc, model_cfg = model.encoder, model.cfg
    train_p = prepare(train_ex, enc, model_cfg)
    dev_p = prepare([to_example(d, protect_gold=False) for d in dev_docs], enc, model_cfg)
    emit({"event": "prepared", "train_documents": len(train_p), "dev_documents": len(dev_p),
          "device": dev.name, "encoder": enc.kind,
          "unmappable_mentions": sum(e.lost_mentions for e in train_ex)})

    own = [p for n, p in model.named_parameters() if not n.startswith("encoder.") and p.requires_grad]
    optimizer = torch.optim.Adam([{"params": own, "lr": train_cfg["lr"]}, *enc.param_groups(train_cfg["lr"])])
    best: tuple[float, int, dict, dict | None] | None = None
    epoch, steps, stopped = 0, 0, None
    while epoch < train_cfg["epochs"] and stopped is None:
        epoch += 1
        model.train()
        order = list(range(len(train_p)))
        rng.shuffle(order)
        total, count = 0.0, 0
        for k, i in enumerate(order):
            if should_stop():
                stopped = "stop requested"
            elif deadline and time.perf_counter() > deadline:
                stopped = "time budget"
            if stopped:
                break
            items, sentence_of, gold = crop(train_p[i], train_cfg["max_train_words"], rng)
            loss = run(model, dev, items, sentence_of, gold).loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), train_cfg["clip"])
            optimizer.step()
            total, count, steps = total + float(loss.detach()), count + 1, steps + 1
            if (k + 1) % 100 == 0:
                emit({"event": "step", "epoch": epoch, "step": steps, "loss": total / count,
                      "progress": (k + 1) / len(order)})
        if count == 0:
            break
        event = {"event": "epoch", "epoch": epoch, "step": steps, "loss": total / count,
                 "partial": stopped is not None}
        scores = evaluate_prepared(model, dev, dev_docs, dev_p) if dev_p else None
        if scores:
            event.update(dev_f1=scores["avg_f1"], dev_muc=scores["muc"][2], dev_bcub=scores["bcub"][2],
                         dev_ceafe=scores["ceafe"][2])
        emit(event)
        score = event.get("dev_f1", epoch)
        if best is None or score > best[0]:
            state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
            best = (score, epoch, state, scores)
    if best is None:
        raise ValueError("training stopped before the first document was learned from")
    model.load_state_dict(best[2])
    metrics = {"best_epoch": best[1], "epochs": epoch, "steps": steps,
               "train_documents": len(train_p), "dev_documents": len(dev_p),
               "train_seconds": round(time.perf_counter() - started, 1), "stopped": stopped or "finished"}
    if best[3]:
        metrics["dev"] = {k: list(v) if isinstance(v, tuple) else v for k, v in best[3].items()}
    config = {"kind": KIND, "version": Path(out).name, "encoder": enc.config(), "model": model.cfg,
              "train": train_cfg}
    bundle.save(out, config, SCHEMA, model, metrics)
    emit({"event": "done", **{k: v for k, v in metrics.items() if k != "dev"},
          "dev_f1": metrics.get("dev", {}).get("avg_f1")})
    atomic_write_text(Path(out) / bundle.LOG, "".join(json.dumps(e) + "\n" for e in log))
    return metrics
