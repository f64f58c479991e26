"""``xlcomp template`` and the workbook of ``xlcomp calc``, run as a user runs them, and the
LibreOffice runner's failures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from xlcomp.demo.project import preset_text
from xlcomp.demo.sample import sample_book
from xlcomp.ooxml.index import index_workbook
from xlcomp.ooxml.libreoffice import LibreOfficeError, recalculate
from xlcomp.workbook import layout

from . import cells


def xlcomp(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "xlcomp", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=600)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("project")
    (folder / "plan.yaml").write_text(preset_text("full_service"), encoding="utf-8")
    roster, accounts = sample_book(6, 90, 3, "2027-Q1")
    roster.to_csv(folder / "roster.csv", index=False)
    accounts.to_csv(folder / "accounts.csv", index=False)
    return folder


def test_template_writes_a_workbook_ready_to_fill(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "fill-me.xlsx"
    done = xlcomp("template", "--plan", project / "plan.yaml", "--roster", project / "roster.csv", "--accounts",
                  project / "accounts.csv", "--period", "2027-Q1", "--out", out)
    assert done.returncode == 0, done.stderr
    assert "fill the yellow cells" in done.stdout
    index = index_workbook(out)
    assert [s.name for s in index.sheets][:len(layout.FIXED_SHEETS)] == list(layout.FIXED_SHEETS)
    values = cells.values(out)
    meta = values[layout.META_SHEET]
    assert {meta[(r, 1)]: meta[(r, 2)] for r in range(2, 13)}["mode"] == "template"
    assert [p.name for p in tmp_path.iterdir()] == ["fill-me.xlsx"]        # no temporary left behind


def test_calc_writes_the_workbook_beside_the_csvs(project: Path, tmp_path: Path) -> None:
    done = xlcomp("calc", "--plan", project / "plan.yaml", "--roster", project / "roster.csv", "--accounts",
                  project / "accounts.csv", "--period", "2027-Q1", "--out", tmp_path, "--protect-password", "pw")
    assert done.returncode == 0, done.stderr
    workbook = tmp_path / "csm-fy27-full-2027-Q1.xlsx"
    assert workbook.exists()
    assert 'password="' in cells.sheet_xml(workbook, layout.SHEET_SUMMARY)


def test_template_refuses_what_it_cannot_write(project: Path, tmp_path: Path) -> None:
    base = ("template", "--plan", project / "plan.yaml", "--period", "2027-Q1")
    done = xlcomp(*base, "--roster", project / "roster.csv", "--out", tmp_path / "book.csv")
    assert done.returncode == 2 and "must name an .xlsx file" in done.stderr
    (tmp_path / "empty.csv").write_text("csm_id,name,segment,base_salary,target_variable,start_date,quota_upsell\n",
                                        encoding="utf-8")
    done = xlcomp(*base, "--roster", tmp_path / "empty.csv", "--out", tmp_path / "a.xlsx")
    assert done.returncode == 1 and "the roster has no CSMs" in done.stderr
    twins = (project / "roster.csv").read_text(encoding="utf-8").replace("CSM-0002", "csm-0001")
    (tmp_path / "twins.csv").write_text(twins, encoding="utf-8")
    done = xlcomp(*base, "--roster", tmp_path / "twins.csv", "--out", tmp_path / "b.xlsx")
    assert done.returncode == 1
    assert 'twins.csv:3 csm_id: "csm-0001" and "CSM-0001" are the same csm_id to Excel' in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.csv", "twins.csv"]


def test_libreoffice_failures_are_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"this is not a workbook")
    with pytest.raises(LibreOfficeError, match=r"did not recalculate .*broken\.xlsx"):
        recalculate([broken], tmp_path / "out")
    with pytest.raises(LibreOfficeError, match="distinct file names"):
        recalculate([broken, tmp_path / "x" / "broken.xlsx"], tmp_path / "out")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LibreOfficeError, match="LibreOffice is not installed"):
        recalculate([broken], tmp_path / "out")
    assert recalculate([], tmp_path / "out") == []
