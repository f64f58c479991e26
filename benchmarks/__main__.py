"""``python -m benchmarks [--size full|tiny] [--repeats N] [--only NAME] [--out results.json]``."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks.cases import CASES
from benchmarks.harness import run_case, table, write_results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--size", choices=["full", "tiny"], default="full")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results.json")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="xlcomp-bench-"))
    results = []
    try:
        for case in CASES:
            if args.only and case.name not in args.only:
                continue
            print(f"running {case.name} ({args.size}) …", file=sys.stderr, flush=True)
            result = run_case(case, args.size, work / case.name, args.repeats)
            print(f"  ours {result.ours_s:.3f}s, baseline {result.baseline_s:.3f}s, ratio {result.ratio:.2f} "
                  f"(target ≤ {result.target}), peak {result.peak_mb:,.0f} MB", file=sys.stderr, flush=True)
            results.append(result)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_results(results, args.out)
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
