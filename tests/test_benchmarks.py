"""The benchmark harness at a tiny size, so it cannot rot (the real run is ``make bench``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_harness_measures_every_case_at_a_tiny_size(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--size", "tiny", "--repeats", "1", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    results = json.loads(out.read_text())
    assert [r["name"] for r in results] == ["workbook_write", "upload_read", "engine_scale", "batch_recalc_parallel",
                                            "assign_scale", "ledger_close"]
    for row in results:
        assert set(row) == {"name", "ours_s", "baseline", "baseline_s", "ratio", "target", "peak_mb", "notes"}
        assert row["ours_s"] > 0 and row["baseline_s"] > 0 and row["peak_mb"] > 0
        assert abs(row["ratio"] - row["ours_s"] / row["baseline_s"]) <= 0.02 * max(1.0, row["ratio"])
    assert {r["name"]: r["target"] for r in results} == {"workbook_write": 1.2, "upload_read": 2.0,
                                                         "engine_scale": 5.0, "batch_recalc_parallel": 0.55,
                                                         "assign_scale": 30.0, "ledger_close": 1.3}
    assert "| workbook_write |" in done.stdout  # the table printed for people
    assert "ok" in next(r for r in results if r["name"] == "batch_recalc_parallel")["notes"]
    assert "proven gap" in next(r for r in results if r["name"] == "assign_scale")["notes"]
    ledger_notes = next(r for r in results if r["name"] == "ledger_close")["notes"]
    assert "1 churned accounts" in ledger_notes and "0 clawback lines" not in ledger_notes
