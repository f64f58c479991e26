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
                                            "calc_e2e", "calc_dated", "recalc_vs_libreoffice", "ledger_close",
                                            "assign_scale"]
    for row in results:
        assert set(row) == {"name", "ours_s", "baseline", "baseline_s", "ratio", "target", "peak_mb", "notes"}
        assert row["ours_s"] > 0 and row["baseline_s"] > 0 and row["peak_mb"] > 0
        assert abs(row["ratio"] - row["ours_s"] / row["baseline_s"]) <= 0.02 * max(1.0, row["ratio"])
    assert {r["name"]: r["target"] for r in results} == {"workbook_write": 0.5, "upload_read": 1.2,
                                                         "engine_scale": 3.0, "batch_recalc_parallel": 0.52,
                                                         "calc_e2e": 3.0, "calc_dated": 1.3,
                                                         "recalc_vs_libreoffice": 0.5, "ledger_close": 1.3,
                                                         "assign_scale": 30.0}
    assert "| workbook_write |" in done.stdout  # the table printed for people
    assert "ok" in next(r for r in results if r["name"] == "batch_recalc_parallel")["notes"]
    assert "proven gap" in next(r for r in results if r["name"] == "assign_scale")["notes"]
    ledger_notes = next(r for r in results if r["name"] == "ledger_close")["notes"]
    assert "1 churned accounts" in ledger_notes and "0 clawback lines" not in ledger_notes
    assert "xlcomp close of Q2" in ledger_notes and "vs xlcomp calc of Q2" in ledger_notes   # both the commands
    calc_notes = next(r for r in results if r["name"] == "calc_e2e")["notes"]
    assert "payouts.csv 200 rows" in calc_notes  # 50 CSMs x 4 components of full_service
    dated_notes = next(r for r in results if r["name"] == "calc_dated")["notes"]
    assert "200 accounts moved and 50 roster changes" in dated_notes  # every tenth of 2,000; one a CSM
    lo_notes = next(r for r in results if r["name"] == "recalc_vs_libreoffice")["notes"]
    assert "recalc statuses inputs_changed" in lo_notes and "LibreOffice wrote 2 files" in lo_notes
