"""``xlcomp verify``: an untouched statement holds; a tampered one fails and says what differs."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from xlcomp.api import calculate
from xlcomp.cli import main
from xlcomp.errors import InputError, UsageError
from xlcomp.statements import write_statements
from xlcomp.statements.verify import verify_statement

from .conftest import write_spec_files

ISSUED = date(2027, 4, 5)


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    """The SPEC book's statements (HTML for all, PDF for CSM-A) and their input files."""
    root = tmp_path_factory.mktemp("issued")
    files = write_spec_files(root / "inputs")
    result = calculate(files["plan"], files["roster"], files["accounts"], "2027-Q1")
    write_statements(result, root / "out", issued=ISSUED, pdf=False)
    write_statements(result, root / "pdf", issued=ISSUED, csm_ids=["CSM-A"], workers=1)
    return root, files


def copy_with(source: Path, target: Path, old: str, new: str, count: int = 1) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, count), encoding="utf-8")
    return target


@pytest.mark.parametrize("name", ["CSM-A", "CSM-B", "CSM-C", "CSM-D"])
def test_untouched_html_statements_hold(issued, name):
    root, _ = issued
    outcome = verify_statement(root / "out" / f"{name}-2027-Q1.html")
    assert outcome.holds, outcome.differences
    assert outcome.csm_id == name and outcome.period == "2027-Q1"
    assert outcome.source == "recomputed from the inputs it carries"


def test_untouched_pdf_holds(issued):
    root, _ = issued
    outcome = verify_statement(root / "pdf" / "CSM-A-2027-Q1.pdf")
    assert outcome.holds, outcome.differences
    assert outcome.total == "USD 10,729.90"


def test_holds_against_the_unchanged_input_files(issued):
    root, files = issued
    outcome = verify_statement(root / "out" / "CSM-C-2027-Q1.html", plan=files["plan"], roster=files["roster"],
                               accounts=files["accounts"])
    assert outcome.holds, outcome.differences
    assert outcome.source == "recomputed from plan.yaml, roster.csv, accounts.csv"


def test_a_changed_total_on_the_page_fails(issued, tmp_path):
    root, _ = issued
    tampered = copy_with(root / "out" / "CSM-A-2027-Q1.html", tmp_path / "a.html",
                         '<span data-field="total">10,729.90</span>', '<span data-field="total">12,729.90</span>')
    outcome = verify_statement(tampered)
    assert not outcome.holds
    assert [str(d) for d in outcome.differences] == [
        'total (on the page): the statement shows "12,729.90"; recomputed: "10,729.90"']


def test_a_changed_payout_everywhere_it_shows_fails(issued, tmp_path):
    root, _ = issued
    tampered = copy_with(root / "out" / "CSM-A-2027-Q1.html", tmp_path / "a.html", "7,429.90", "7,929.90", count=99)
    outcome = verify_statement(tampered)
    assert [str(d) for d in outcome.differences] == [
        'Gross renewal rate payout: the statement shows "7,929.90"; recomputed: "7,429.90"']


def test_a_changed_line_of_text_fails(issued, tmp_path):
    root, _ = issued
    tampered = copy_with(root / "out" / "CSM-A-2027-Q1.html", tmp_path / "a.html",
                         "100%–110% at 3.0×", "100%–110% at 4.0×")
    outcome = verify_statement(tampered)
    assert not outcome.holds
    (difference,) = outcome.differences
    assert difference.what == "text"
    assert "100%–110% at 4.0×" in difference.statement and "100%–110% at 3.0×" in difference.recomputed


def test_edited_embedded_inputs_fail(issued, tmp_path):
    root, _ = issued
    source = root / "out" / "CSM-A-2027-Q1.html"
    text = source.read_text(encoding="utf-8")
    # A2 renewed 100,000 of 100,000: make it 90,000 inside the embedded record
    edited = re.sub(r'\["A2","CSM-A","Enterprise","100000","100000","100000"',
                    '["A2","CSM-A","Enterprise","100000","100000","90000"', text)
    assert edited != text
    tampered = tmp_path / "a.html"
    tampered.write_text(edited, encoding="utf-8")
    outcome = verify_statement(tampered)
    what = [d.what for d in outcome.differences]
    assert what[0] == "embedded inputs (edited after issue: their hash changed)"
    # GRR 185,000 / 200,000 = 92.5%: attainment 1.005435, share 1.016305, x1.05 on 6,000 -> 6,402.72
    assert str(outcome.differences[what.index("Gross renewal rate payout")]) == (
        'Gross renewal rate payout: the statement shows "7,429.90"; recomputed: "6,402.72"')
    assert str(outcome.differences[what.index("total")]) == (
        'total: the statement shows "10,729.90"; recomputed: "9,702.72"')


def test_edited_embedded_plan_fails(issued, tmp_path):
    root, _ = issued
    tampered = copy_with(root / "out" / "CSM-A-2027-Q1.html", tmp_path / "a.html", "target: 0.92", "target: 0.90")
    outcome = verify_statement(tampered)
    assert outcome.differences[0].what == "embedded plan (edited after issue: its hash changed)"
    assert "Gross renewal rate payout" in [d.what for d in outcome.differences]


def test_changed_accounts_file_lists_the_change(issued, tmp_path):
    root, files = issued
    accounts = copy_with(files["accounts"], tmp_path / "accounts.csv", "C1,CSM-C,Mid-Market,100000,100000,82000",
                         "C1,CSM-C,Mid-Market,100000,100000,92000")
    outcome = verify_statement(root / "out" / "CSM-C-2027-Q1.html", roster=files["roster"], accounts=accounts)
    assert str(outcome.differences[0]) == 'account C1 renewed_arr: the statement shows "82000"; recomputed: "92000"'
    # GRR 92%: attainment exactly 1, share 1, x1.10 on 4,500 -> 4,950.00
    assert 'Gross renewal rate payout: the statement shows "4,411.95"; recomputed: "4,950.00"' in [
        str(d) for d in outcome.differences]


def test_changed_plan_file_fails(issued, tmp_path):
    root, files = issued
    plan = copy_with(files["plan"], tmp_path / "plan.yaml", "weight: 0.6", "weight: 0.5")
    outcome = verify_statement(root / "pdf" / "CSM-A-2027-Q1.pdf", plan=plan)
    assert outcome.differences[0].what == "plan (plan.yaml differs from the statement's plan: hash)"
    # TI 5,000: 1.179349 x 5,000 x 1.05 = 6,191.58
    assert 'Gross renewal rate payout: the statement shows "7,429.90"; recomputed: "6,191.58"' in [
        str(d) for d in outcome.differences]


def test_not_a_statement(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body>hello</body></html>")
    with pytest.raises(InputError, match=r"page\.html: is not an xlcomp statement"):
        verify_statement(page)
    with pytest.raises(InputError, match="file not found"):
        verify_statement(tmp_path / "missing.html")
    other = tmp_path / "notes.txt"
    other.write_text("x")
    with pytest.raises(UsageError):
        verify_statement(other)


def test_broken_record(issued, tmp_path):
    root, _ = issued
    text = (root / "out" / "CSM-A-2027-Q1.html").read_text(encoding="utf-8")
    broken = tmp_path / "a.html"
    broken.write_text(text.replace('{"format":"xlcomp-statement/1"', '{"format":"xlcomp-statement/1",,'))
    with pytest.raises(InputError, match="not valid JSON"):
        verify_statement(broken)


def test_cli_exit_codes(issued, tmp_path, capsys):
    root, files = issued
    good = root / "out" / "CSM-A-2027-Q1.html"
    assert main(["verify", str(good), str(root / "pdf" / "CSM-A-2027-Q1.pdf")]) == 0
    out = capsys.readouterr().out
    assert "CSM-A-2027-Q1.html holds" in out and "2 of 2 statements hold" in out
    bad = copy_with(good, tmp_path / "bad.html", '<span data-field="total">10,729.90</span>',
                    '<span data-field="total">1.00</span>')
    assert main(["verify", str(good), str(bad)]) == 1
    captured = capsys.readouterr()
    assert "bad.html does not hold" in captured.err
    assert 'total (on the page): the statement shows "1.00"; recomputed: "10,729.90"' in captured.err
    assert "1 of 2 statements hold" in captured.out
    assert main(["verify", str(good), "--roster", str(files["roster"])]) == 2
    page = tmp_path / "page.html"
    page.write_text("<p>no</p>")
    assert main(["verify", str(page)]) == 1
    assert "is not an xlcomp statement" in capsys.readouterr().err


def test_record_round_trip_json(issued):
    root, _ = issued
    from xlcomp.statements.verify import read_record

    record, html = read_record(root / "out" / "CSM-B-2027-Q1.html")
    assert html is not None
    assert record["inputs"]["roster"]["start_date"] == "2027-02-15"
    assert json.dumps(record["result"]["total"]) == '"0.00"'
