"""Forked helper processes for the one-shot ``rdrs`` commands that read or write thousands of
files: how many, and a pool that stops with its ``with`` block.

Only one-shot processes should fork (the CLI): forking a process that runs other threads (the
GUI) is unsafe, so the services take a ``workers`` count that defaults to 1.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

from .errors import RdrsError

MIN_FILES_PER_WORKER = 200  # below this a fork costs more than it saves
MAX_WORKERS = 8


def default_workers() -> int:
    """The cores this process may run on (capped), for one-shot commands; 1 where fork is missing."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_WORKERS))


@contextmanager
def fork_pool(processes: int, nice: int = 0) -> Iterator[ProcessPoolExecutor]:
    """Forked helper processes for the ``with`` block; leaving it with an error stops them at
    once, so none goes on writing after this process cleaned up. A helper that dies (killed,
    out of memory) is an RdrsError here, never an endless wait. They ignore Ctrl+C: the CLI
    handles it. ``nice`` > 0 lowers their priority below this process's (see ``_parallel``)."""
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"),
                               initializer=_helper, initargs=(nice,))
    try:
        yield pool
    except BrokenProcessPool:
        _stop(pool)
        raise RdrsError("a helper process stopped unexpectedly (killed, or out of memory?); "
                        "nothing was changed") from None
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown()


def _helper(nice: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if nice:
        os.nice(nice)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel the work not started and end the helpers now (ProcessPoolExecutor has no public
    way to before Python 3.14)."""
    helpers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for helper in helpers:
        helper.terminate()
