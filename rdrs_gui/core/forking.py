"""Forked helper processes for the one-shot ``rdrs`` commands that read or write thousands of
files: how many, and a pool that stops with its ``with`` block.

Only one-shot processes should fork (the CLI): forking a process that runs other threads (the
GUI) is unsafe, so the services take a ``workers`` count that defaults to 1.
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import os
import signal

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


def fork_pool(processes: int) -> multiprocessing.pool.Pool:
    """Forked helper processes; leaving the ``with`` block terminates them, so an error in this
    process stops their work at once. They ignore Ctrl+C: the CLI handles it, and the block's
    exit stops them."""
    return multiprocessing.get_context("fork").Pool(processes, signal.signal, (signal.SIGINT, signal.SIG_IGN))
