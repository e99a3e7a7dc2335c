"""Timing in the manner of ``torch.utils.benchmark``: warm up, then repeat blocks of calls until
a minimum time has passed, and report the median and IQR of the per-call block times."""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable

# Rounds for a case with a speed goal: every library is timed once per round, and each keeps
# its median round (see bench/__main__.py).
GOAL_ROUNDS = 5


@dataclass
class Measurement:
    median: float  # seconds per call
    iqr: float  # interquartile range of the per-call block times, seconds
    blocks: int
    calls_per_block: int

    @property
    def median_us(self) -> float:
        return self.median * 1e6


def measure(fn: Callable[[], object], min_time: float = 0.2, min_blocks: int = 5,
            warmup: int = 1, warmup_time: float = 0.0) -> Measurement:
    """Median seconds per call of ``fn`` over at least ``min_blocks`` timed blocks and
    ``min_time`` seconds in total; each block is sized to take about min_time / min_blocks.

    The warm-up runs ``fn`` at least ``warmup`` times and for at least ``warmup_time``
    seconds: beyond first-call costs (allocations, lazy init), this lets thread pools that
    another library left spinning (OpenBLAS, a second OpenMP runtime) go back to sleep before
    the clock starts.
    """
    if min_blocks < 1:
        raise ValueError(f"min_blocks must be >= 1, got {min_blocks}")
    start = time.perf_counter()
    done = 0
    while done < warmup or time.perf_counter() - start < warmup_time:
        fn()
        done += 1
    # Find a block size that takes about min_time / min_blocks (x4 steps, as timeit does).
    calls = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - t0
        if elapsed >= min_time / min_blocks / 4 or calls >= 1 << 20:
            break
        calls *= 4
    per_block = max(1, round(calls * (min_time / min_blocks) / max(elapsed, 1e-9)))
    times: list = []
    total = 0.0
    if per_block == calls:  # the sizing block is already a full block: keep it (slow fns)
        times.append(elapsed / calls)
        total += elapsed
    while len(times) < min_blocks or total < min_time:
        t0 = time.perf_counter()
        for _ in range(per_block):
            fn()
        block = time.perf_counter() - t0
        times.append(block / per_block)
        total += block
    if len(times) >= 2:
        q1, _, q3 = statistics.quantiles(times, n=4)
    else:
        q1 = q3 = times[0]
    return Measurement(statistics.median(times), q3 - q1, len(times), per_block)
