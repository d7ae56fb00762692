"""Where models run: CUDA when present (mixed precision), else CPU with a fixed thread count;
and length-bucketed batching, which keeps padding low on both.
"""
from __future__ import annotations

import contextlib
import functools
import math
import os
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence, TypeVar

import torch

T = TypeVar("T")
CPU_THREADS = int(os.environ.get("RDRS_TORCH_THREADS", "2"))


def configure_threads(n: int = CPU_THREADS) -> None:
    """Torch on a shared workstation: a fixed, small number of threads (default 2); and numbers
    too small for a float32 (denormals) flushed to zero: the CRF's forbidden transitions and
    saturated LSTM gates produce them, and each costs the CPU a slow path (the tagger's network
    ran ~20 % faster on this machine without them)."""
    torch.set_num_threads(max(1, n))
    torch.set_flush_denormal(True)
    with contextlib.suppress(RuntimeError):  # may only be set once per process
        torch.set_num_interop_threads(1)


@functools.lru_cache(maxsize=1)
def cpu_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 numbers natively (AVX-512 BF16 or AMX, seen in Linux's
    /proc/cpuinfo): there a bf16 matrix product runs about 2.5x faster than a float32 one, elsewhere
    it is emulated and slower. ``RDRS_CPU_BF16=0`` turns its use off."""
    if os.environ.get("RDRS_CPU_BF16", "1") == "0":
        return False
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


@dataclass(frozen=True)
class Device:
    """A torch device and the mixed-precision policy that goes with it."""

    torch_device: torch.device
    amp_dtype: torch.dtype | None  # bf16 where supported, fp16 (with loss scaling) otherwise

    @property
    def is_cuda(self) -> bool:
        return self.torch_device.type == "cuda"

    @property
    def name(self) -> str:
        if self.is_cuda:
            return f"cuda:{torch.cuda.get_device_name(self.torch_device)}"
        return f"cpu ({torch.get_num_threads()} threads)"

    def autocast(self):
        """Autocast context for forward passes; a no-op on CPU (fp32 there)."""
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type="cuda", dtype=self.amp_dtype)

    def grad_scaler(self) -> "torch.amp.GradScaler":
        """Loss scaling is needed for fp16 only; disabled (pass-through) for bf16 and fp32."""
        return torch.amp.GradScaler("cuda", enabled=self.amp_dtype == torch.float16)


def pick_device(preference: str = "auto") -> Device:
    """``auto`` (CUDA when available), ``cpu``, ``cuda`` or ``cuda:N``."""
    if preference == "auto":
        preference = "cuda" if torch.cuda.is_available() else "cpu"
    dev = torch.device(preference)
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError("CUDA was asked for but torch sees no GPU")
        amp = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return Device(dev, amp)
    configure_threads()
    return Device(dev, None)


def length_batches(items: Sequence[T], length: Callable[[T], int], max_tokens: int,
                   max_items: int = 64, shuffle: bool = False,
                   rng: random.Random | None = None) -> Iterator[list[int]]:
    """Indices of ``items`` grouped into batches of similar length.

    A batch holds at most ``max_items`` items and ``max_tokens`` padded tokens (longest × count).
    With ``shuffle`` the order inside length buckets and the order of batches are randomised,
    so training sees varied batches while padding stays low.
    """
    order = list(range(len(items)))
    if shuffle:
        rng = rng or random.Random()
        rng.shuffle(order)
        # Sort within windows of 50 batches: similar lengths together, still random overall.
        window = max_items * 50
        order = [i for k in range(0, len(order), window)
                 for i in sorted(order[k:k + window], key=lambda j: length(items[j]))]
    else:
        order.sort(key=lambda j: length(items[j]))
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for i in order:
        n = max(1, length(items[i]))
        if current and (len(current) >= max_items or max(longest, n) * (len(current) + 1) > max_tokens):
            batches.append(current)
            current, longest = [], 0
        current.append(i)
        longest = max(longest, n)
    if current:
        batches.append(current)
    if shuffle:
        rng.shuffle(batches)
    return iter(batches)


def epoch_batches(items: Sequence[T], length: Callable[[T], int], max_tokens: int, max_items: int,
                  rng: random.Random, min_steps: int = 0) -> list[list[int]]:
    """One training epoch of shuffled length batches, at least ``min_steps`` of them.

    A first model trained from a handful of reviews would otherwise see one batch per epoch: early
    stopping and the learning-rate decay, which count epochs, would end training after a few dozen
    steps with the model still guessing. So small sets get smaller batches (down to 4 items) and,
    if that is not enough, further shuffled passes; large sets are unaffected.
    """
    if min_steps and items:
        max_items = min(max_items, max(4, math.ceil(len(items) / min_steps)))
    batches: list[list[int]] = []
    while True:
        batches += length_batches(items, length, max_tokens, max_items=max_items, shuffle=True, rng=rng)
        if len(batches) >= min_steps or not items:
            return batches
