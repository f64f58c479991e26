"""The benchmark harness: ours against a baseline, the median of repeats, peak memory per child process.

Each case runs in a fresh process (so its peak memory is its own): ``setup(size, work)`` builds the data
once, then ``ours(state)`` and ``baseline(state)`` are timed alternately ``repeats`` times each.
"""

from __future__ import annotations

import json
import multiprocessing
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks.case import Case
from benchmarks.cases import CASES


@dataclass(frozen=True)
class Result:
    """One row of results.json."""

    name: str
    ours_s: float
    baseline: str
    baseline_s: float
    ratio: float
    target: float
    peak_mb: float
    notes: str

    @property
    def met(self) -> bool:
        """Is the ratio at or under its target?"""
        return self.ratio <= self.target


def _timed(function: Callable[[Any], Any], state: Any) -> float:
    started = time.perf_counter()
    function(state)
    return time.perf_counter() - started


def _child(name: str, size: str, work: str, repeats: int, queue: Any) -> None:
    try:
        case = next(c for c in CASES if c.name == name)
        state = case.setup(size, Path(work))
        ours, baseline = [], []
        for _ in range(repeats):
            baseline.append(_timed(case.run_baseline, state))
            ours.append(_timed(case.run_ours, state))
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        ours_s, baseline_s = statistics.median(ours), statistics.median(baseline)
        queue.put(Result(case.name, round(ours_s, 6), case.baseline, round(baseline_s, 6),
                         round(ours_s / baseline_s, 3), case.target, round(max(peak_mb, children), 1),
                         case.notes(state)))
    except BaseException as exc:  # reported by the parent
        queue.put(f"{type(exc).__name__}: {exc}")


def run_case(case: Case, size: str, work: Path, repeats: int) -> Result:
    """Run one case in a fresh process and return its result."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(case.name, size, str(work), repeats, queue))
    process.start()
    outcome = queue.get()
    process.join()
    if isinstance(outcome, str):
        raise RuntimeError(f"benchmark {case.name} failed: {outcome}")
    return outcome


def write_results(results: list[Result], path: Path) -> None:
    """results.json: a list of {name, ours_s, baseline, baseline_s, ratio, target, peak_mb, notes}."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".json.tmp")
    temp.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n", encoding="utf-8")
    temp.replace(path)


def table(results: list[Result]) -> str:
    """The results as a Markdown table."""
    lines = ["| name | ours (s) | baseline | baseline (s) | ratio | target | peak MB | met |",
             "|---|---:|---|---:|---:|---:|---:|---|"]
    for r in results:
        lines.append(f"| {r.name} | {r.ours_s:.3f} | {r.baseline} | {r.baseline_s:.3f} | {r.ratio:.2f} | "
                     f"≤ {r.target} | {r.peak_mb:,.0f} | {'yes' if r.met else 'no'} |")
    return "\n".join(lines)
