"""Batch pre-annotation in the app: throughput, GUI event-loop stalls and GUI memory.

Builds a database with N synthetic Russian drug reviews (about 150 words each, the RDRS
average; N = 2,800 by default, the RDRS corpus size), trains the embedded tagger on a few
hundred synthetic annotated reviews unless ``--model`` is given, then opens the real main
window (offscreen) with the model loop installed and pre-annotates every unlabelled review
through the loop controller: the pre-annotation process with its model worker, suggestions
stored batch by batch, the document list refreshing as batches land. A 10 ms timer on the UI
thread measures how long the event loop is ever kept from running. The review open in the
editor is left out of the batch (one does not batch the review one is correcting) and is then
pre-annotated on its own, which also times the editor reloading it with its suggestions.

Target: 2,800 reviews in under 60 s on 2 CPU cores with the embedded tagger, max stall <= 50 ms.

    python benchmarks/preannotate.py [--documents 2800] [--model DIR] [--train-documents 300]
                                     [--epochs 2] [--batch-size 32] [--keep DIR]

Prints one line per figure and ends with
``docs_per_s=<> tokens_per_s=<> seconds=<> max_stall_ms=<> gui_rss_mb=<>``.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rdrs_gui.core.document import Document, Span  # noqa: E402
from rdrs_gui.core.store import Store  # noqa: E402

DRUGS = ["Нурофен", "Анальгин", "Цитрамон", "Арбидол", "Кагоцел", "Виферон", "Терафлю", "Ингавирин",
         "Супрастин", "Ибуклин", "Амоксиклав", "Эргоферон", "Ношпа", "Фервекс", "Пенталгин", "Називин"]
FORMS = ["таблетки", "сироп", "свечи", "капли", "порошок", "спрей", "капсулы", "мазь"]
ADRS = ["болела голова", "появилась сыпь", "тошнило весь день", "кружилась голова", "пропал сон",
        "началась изжога", "заболел живот", "поднялось давление", "чесалась кожа"]
DISEASES = ["простуда", "грипп", "ангина", "бронхит", "насморк", "гастрит", "мигрень", "аллергия"]
DOSES = ["по одной таблетке", "по 5 мл", "по две капсулы", "по 10 капель", "по половине таблетки"]
FREQ = ["три раза в день", "два раза в день", "утром и вечером", "раз в сутки", "перед сном"]
DURATION = ["неделю", "пять дней", "десять дней", "месяц", "две недели"]
FILLER = ["Отзыв пишу спустя время, чтобы было честно.", "В целом впечатления смешанные.",
          "Цена в аптеке вполне адекватная.", "Упаковка удобная, инструкция понятная.",
          "Больше ничего особенного не заметила.", "Муж тоже пробовал, ему понравилось.",
          "Советовать никому не буду, решайте сами.", "Аптека рядом с домом, купила быстро."]


def review(rng: random.Random, words: int = 150) -> tuple[str, list[Span]]:
    """A synthetic review with gold spans (written for this benchmark, not from any corpus)."""
    text, spans = "", []

    def add(piece: str, *labels: str) -> None:
        nonlocal text
        start = len(text)
        text += piece
        if labels:
            spans.append(Span(set(labels), [(start, len(text))]))

    while len(re.findall(r"\w+|[^\w\s]", text)) < words:
        drug = rng.choice(DRUGS)
        kind = rng.randrange(6)
        if kind == 0:
            add("Купила "), add(rng.choice(FORMS), "DrugForm"), add(" "), add(drug, "DrugName", "DrugBrand")
            add(" в аптеке, когда началась "), add(rng.choice(DISEASES), "Indication"), add(". ")
        elif kind == 1:
            add("После приема "), add(drug, "DrugName", "DrugBrand"), add(" у меня "), add(rng.choice(ADRS), "ADR")
            add(". ")
        elif kind == 2:
            add("Принимала "), add(rng.choice(DOSES), "Dosage"), add(" "), add(rng.choice(FREQ), "Frequency")
            add(" в течение "), add(rng.choice(DURATION), "Duration"), add(". ")
        elif kind == 3:
            add("Врач посоветовал "), add(drug, "DrugName", "DrugBrand"), add(" от "), add(rng.choice(DISEASES), "Indication")
            add(", все прошло хорошо. ")
        elif kind == 4:
            start = len(text)
            add("Началась "), add("аллергия на ")
            add(drug, "DrugName", "DrugBrand")
            spans.append(Span({"ADR"}, [(start + len("Началась "), len(text))]))
            add(", больше не куплю. ")
        else:
            add(rng.choice(FILLER) + " ")
    return text.strip(), [s for s in spans if s.end <= len(text.strip())]


def corpus(n: int, seed: int, annotated: bool) -> list[Document]:
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        text, spans = review(rng)
        docs.append(Document(f"{'gold' if annotated else 'review'}-{i:05d}", text, spans=spans if annotated else []))
    return docs


class StallSampler:
    """Where the UI thread was while it kept the event loop waiting: a watcher thread looks at the
    UI thread's Python stack whenever the 10 ms timer stalls by more than ``threshold_ms``. Stacks
    that end in the benchmark's own idle wait mean the thread was runnable but not scheduled (the
    machine's load), anything else names the code that held the loop."""

    def __init__(self, threshold_ms: float = 30.0, interval_ms: float = 10.0) -> None:
        import threading

        self.threshold = (threshold_ms + interval_ms) / 1000   # the timer's own interval is no stall
        self.last = time.perf_counter()
        self.sites: Counter[str] = Counter()
        self._ui = threading.get_ident()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def beat(self) -> None:
        self.last = time.perf_counter()

    def start(self) -> None:
        self.beat()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        import traceback

        seen = None
        while not self._stop.wait(0.005):
            late = time.perf_counter() - self.last
            if late < self.threshold or seen == self.last:
                continue
            seen = self.last
            frame = sys._current_frames().get(self._ui)  # noqa: SLF001 - a diagnostic sampler
            if frame is None:
                continue
            stack = [f for f in traceback.extract_stack(frame) if "site-packages" not in f.filename]
            where = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack[-3:]))
            self.sites[where] += 1


def rss_mb(pid: int | str = "self", field: str = "VmRSS") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def train_model(store: Store, epochs: int) -> str:
    from rdrs_gui.jobs import training

    t0 = time.perf_counter()
    result = training.run(store, training.TrainingRequest(epochs=epochs, max_minutes=15))
    if result.model is None:
        sys.exit(f"training failed: {result.message}")
    print(f"trained {result.model.version} in {time.perf_counter() - t0:.0f} s on {result.model.device} "
          f"(dev macro F1 {result.model.metrics['dev']['macro_f1']:.3f})")
    return result.model.path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2800)
    parser.add_argument("--model", help="an existing tagger bundle (default: train one on synthetic data)")
    parser.add_argument("--train-documents", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--replicas", type=int, help="tagger workers sharing each batch (default: the app's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", help="keep the database and models in this folder")
    args = parser.parse_args()

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="rdrs-bench-pre-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["RDRS_GUI_CONFIG_DIR"] = str(folder / "config")
    app = QApplication.instance() or QApplication(["bench"])
    from rdrs_gui.ui import settings as app_settings
    from rdrs_gui.ui.main_window import MainWindow

    app_settings.configure(folder / "config")
    QSettings().clear()
    store = Store.open(folder / "bench.sqlite")
    raw = corpus(args.documents, args.seed, annotated=False)
    ids = store.import_documents(raw).document_ids
    tokens = sum(len(re.findall(r"\w+|[^\w\s]", d.text)) for d in raw)
    print(f"{len(ids)} reviews, {tokens / len(ids):.0f} words each on average")
    if args.model:
        from rdrs_gui.jobs import registry
        model = registry.add_bundle(store, args.model)
    else:
        store.import_documents(corpus(args.train_documents, args.seed + 1, annotated=True))
        registry_path = train_model(store, args.epochs)
        model = next(m for m in store.list_models() if m.path == registry_path)
    store.activate_model(model.id)

    window = MainWindow(store, "bench", app_settings.AppSettings())
    loop = window.loop
    window.resize(1400, 900)
    window.show()
    settle = time.perf_counter() + 2
    while time.perf_counter() < settle or window.current_doc_id() is None:
        app.processEvents()
        time.sleep(0.005)
    controller = loop.controller
    controller.batch_size = args.batch_size
    if args.replicas:
        controller.service.replicas = args.replicas
    print(f"model workers: {controller.service.replicas} × {controller.service.threads} CPU thread(s)")
    interval_ms = 10

    def run(scope: dict, force: bool = False) -> tuple:
        """One batch through the loop controller while a 10 ms timer watches the event loop."""
        gaps: list[float] = []
        last = [time.perf_counter()]
        sampler = StallSampler()

        def tick() -> None:
            now = time.perf_counter()
            gaps.append((now - last[0]) * 1000 - interval_ms)
            last[0] = now
            sampler.beat()

        timer = QTimer()
        timer.setInterval(interval_ms)
        timer.timeout.connect(tick)
        finished: list = []
        controller.preannotateFinished.connect(finished.append)
        started = time.perf_counter()
        timer.start()
        sampler.start()
        why = controller.preannotate(scope, force=force)
        if why:
            sys.exit(f"not started: {why}")
        helper_rss, sampled = 0.0, 0.0
        while not finished:
            app.processEvents()
            time.sleep(0.001)
            pid = controller.service.pid
            if pid and time.perf_counter() - sampled > 0.5:
                sampled = time.perf_counter()
                children = [c for task in Path(f"/proc/{pid}/task").glob("*/children")
                            for c in task.read_text().split()]
                helper_rss = max(helper_rss, rss_mb(pid) + sum(rss_mb(c) for c in children))
        timer.stop()
        sampler.stop()
        controller.preannotateFinished.disconnect(finished.append)
        for where, count in sampler.sites.most_common(5):
            print(f"  UI thread stalled > 30 ms {count}× at {where}")
        return finished[0], sorted(gaps), time.perf_counter() - started, helper_rss

    def baseline(seconds: float) -> list[float]:
        """The same window with no batch running: what this machine's load alone costs."""
        gaps: list[float] = []
        last = [time.perf_counter()]

        def tick() -> None:
            now = time.perf_counter()
            gaps.append((now - last[0]) * 1000 - interval_ms)
            last[0] = now

        timer = QTimer()
        timer.setInterval(interval_ms)
        timer.timeout.connect(tick)
        timer.start()
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.001)
        timer.stop()
        return sorted(gaps)

    idle = baseline(8)
    print(f"GUI event loop with no batch (8 s, the machine's own load): max stall {idle[-1]:.1f} ms")
    rss_before = rss_mb()
    open_doc = window.current_doc_id()
    batch = [i for i in ids if i != open_doc]     # the review being corrected is not in the batch
    summary, gaps, wall, helper_rss = run({"ids": batch})
    if summary.error:
        print(f"error: {summary.error}")
    max_stall = gaps[-1] if gaps else float("nan")
    p99 = gaps[int(len(gaps) * 0.99) - 1] if gaps else float("nan")
    print(f"pre-annotated {summary.documents} reviews, {summary.suggestions} suggestions")
    print(f"starting the pre-annotation process and loading the model {wall - summary.seconds:.1f} s; "
          f"batch {summary.seconds:.1f} s; wall {wall:.1f} s")
    print(f"throughput {summary.docs_per_s:.1f} documents/s, {summary.tokens / summary.seconds:.0f} tokens/s")
    print(f"GUI event loop during the batch: {len(gaps)} ticks, max stall {max_stall:.1f} ms, p99 {p99:.1f} ms")
    single, single_gaps, single_wall, _ = run({"ids": [open_doc]}, force=True)
    print(f"the open review pre-annotated on its own: {single_wall * 1000:.0f} ms until its suggestions show; "
          f"max stall {single_gaps[-1]:.1f} ms (the editor reloads the review)")
    print(f"GUI process memory: {rss_before:.0f} MB before, {rss_mb():.0f} MB after, peak {rss_mb(field='VmHWM'):.0f} MB;"
          f" pre-annotation process and its model workers {helper_rss:.0f} MB")
    window.close()
    store.close()
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"docs_per_s={summary.docs_per_s:.1f} tokens_per_s={summary.tokens / summary.seconds:.0f} "
          f"seconds={summary.seconds:.1f} max_stall_ms={max_stall:.1f} gui_rss_mb={rss_mb(field='VmHWM'):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
