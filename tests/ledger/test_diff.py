"""``xlcomp diff``: the reopened Q2 of the hand-worked year against its first version."""

from __future__ import annotations

import csv

from tests.ledger.test_views import two_quarters
from xlcomp.cli import main


def test_diff_of_two_ledger_versions_and_of_two_folders(tmp_path, capsys):
    db = two_quarters(tmp_path)
    capsys.readouterr()
    assert main(["diff", "ledger:2027-Q2@1", "ledger:2027-Q2@2", "--db", db, "--out", str(tmp_path / "d")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "inputs changed: accounts" in out and "+500.00" in out
    with open(tmp_path / "d" / "diff.csv", newline="") as handle:
        assert list(csv.DictReader(handle)) == [
            {"csm_id": "C1", "cause": "computed", "component": "upsell", "before": "2000.00", "after": "2500.00",
             "delta": "500.00"}]
    assert main(["diff", str(tmp_path / "q2"), str(tmp_path / "q2b"), "--out", str(tmp_path / "d2")]) == 0
    assert (tmp_path / "d2" / "diff.csv").read_text().splitlines()[1] == "C1,computed,upsell,2000.00,2500.00,500.00"
