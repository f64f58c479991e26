"""``xlcomp statements`` on the command line: files, exit codes, nothing half-written."""

from __future__ import annotations

from pathlib import Path

from xlcomp.cli import main
from xlcomp.statements.render import html_text


def args(files: dict[str, Path], out: Path, *more: str) -> list[str]:
    return ["statements", "--plan", str(files["plan"]), "--roster", str(files["roster"]), "--accounts",
            str(files["accounts"]), "--period", "2027-Q1", "--out", str(out), "--date", "2027-04-05", *more]


def test_statements_command_writes_html_and_pdf(spec_files, tmp_path, capsys):
    out = tmp_path / "statements"
    assert main(args(spec_files, out, "--csm", "CSM-C", "--workers", "1")) == 0
    assert sorted(p.name for p in out.iterdir()) == ["CSM-C-2027-Q1.html", "CSM-C-2027-Q1.pdf", "index.html"]
    assert "1 statements for csm-fy27-ar 2027-Q1 (HTML and PDF)" in capsys.readouterr().out
    assert "USD 5,811.95" in html_text((out / "CSM-C-2027-Q1.html").read_text())


def test_bad_input_is_reported_and_nothing_is_written(spec_files, tmp_path, capsys):
    roster = spec_files["roster"]
    roster.write_text(roster.read_text().replace("CSM-C,Cy Dorn,Mid-Market,CSM,110000,30000",
                                                 "CSM-C,Cy Dorn,Mid-Market,CSM,110000,30k"))
    out = tmp_path / "statements"
    assert main(args(spec_files, out, "--no-pdf")) == 1
    err = capsys.readouterr().err
    assert 'roster.csv:4 target_variable: "30k" is not a number' in err
    assert not out.exists()


def test_unknown_csm_and_bad_date_are_usage_errors(spec_files, tmp_path, capsys):
    out = tmp_path / "statements"
    assert main(args(spec_files, out, "--no-pdf", "--csm", "CSM-Z")) == 2
    assert "not on the roster: CSM-Z" in capsys.readouterr().err
    assert main([*args(spec_files, out, "--no-pdf")[:-2], "--date", "5 April"]) == 2
    assert not out.exists()
