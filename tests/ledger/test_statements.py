"""A closed period's statements and workbook carry the ledger: this period's lines, the year to date and
the balance (numbers from the hand-worked year in test_year)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.ledger.test_year import close
from tests.ledger.year import project
from xlcomp.statements.render import html_record, html_text


def three_quarters(tmp_path: Path, *q3_extra: str) -> Path:
    files = project(tmp_path / "in")
    db = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    assert close(files, db, tmp_path / "q1", "2027-Q1", "2027-Q1") == 0
    assert close(files, db, tmp_path / "q2", "2027-Q2", "2027-Q2") == 0
    assert close(files, db, tmp_path / "q2b", "2027-Q2", "2027-Q2-fixed", "--reopen", "--reason", "A3 fixed") == 0
    assert close(files, db, tmp_path / "q3", "2027-Q3", "2027-Q3", "--churn", str(files["churn"]), *q3_extra) == 0
    return tmp_path / "q3"


def ledger_cells(html: str) -> dict[str, str]:
    """``data-ledger`` rows and cells of the ledger panel, as text."""
    found = {}
    for tag in ("tr", "td"):
        for key, body in re.findall(rf'<{tag}[^>]*data-ledger="([^"]+)">(.*?)</{tag}>', html, flags=re.S):
            found.setdefault(key, " ".join(re.sub(r"<[^>]+>", " ", body).split()))
    return found


def test_close_statements_show_the_lines_the_year_to_date_and_the_balance(tmp_path):
    q3 = three_quarters(tmp_path, "--statements", "--no-pdf")
    html = (q3 / "statements" / "C1-2027-Q3.html").read_text(encoding="utf-8")
    cells = ledger_cells(html)
    # C1 at Q3: renewal YTD 17,000.01 less 5,000.00 + 6,111.12 paid = 5,888.89; Q2's correction +500.00;
    # A1's Q1 share clawed back -1,000.00; gross 5,388.89, nothing owed: payable 5,388.89.
    assert cells["ytd.renewal"] == "renewal 17,000.01 11,111.12 5,888.89"
    assert cells["line.prior_period"].startswith("Prior-period correction upsell 2027-Q2 version 2 less version 1")
    assert cells["line.prior_period"].endswith("500.00")
    assert cells["line.clawback"].startswith("Clawback upsell A1 churned 2027-06-15")
    assert cells["line.clawback"].endswith("-1,000.00")
    assert (cells["gross"], cells["balance_in"], cells["draw"], cells["payable"], cells["balance_out"]) == (
        "5,388.89", "0.00", "0.00", "USD 5,388.89", "0.00")
    record = json.loads(html_record(html) or "{}")
    assert record["ledger"]["payable"] == "5388.89" and record["ledger"]["version"] == 1
    assert [(x["kind"], x["amount"]) for x in record["ledger"]["lines"]] == [("prior_period", "500.00"),
                                                                           ("clawback", "-1000.00")]
    text = " ".join(html_text(html).split())
    assert "Ledger — 2027-Q3 closed (version 1)" in text


def test_a_draw_and_a_balance_on_the_statement(tmp_path):
    files = project(tmp_path / "in")
    db = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    assert close(files, db, tmp_path / "q1", "2027-Q1", "2027-Q1", "--statements", "--no-pdf") == 0
    assert close(files, db, tmp_path / "q2", "2027-Q2", "2027-Q2", "--statements", "--no-pdf") == 0
    q1 = ledger_cells((tmp_path / "q1" / "statements" / "C2-2027-Q1.html").read_text(encoding="utf-8"))
    # C2 Q1: gross 2,166.67 below the recoverable draw 3,000: draw 833.33, payable 3,000.00, owed 833.33
    assert q1["line.draw"].endswith("833.33") and q1["line.draw"].startswith("Draw draw recoverable draw of 3000.00")
    assert (q1["gross"], q1["draw"], q1["payable"], q1["balance_out"]) == ("2,166.67", "833.33", "USD 3,000.00",
                                                                        "833.33")
    q2 = ledger_cells((tmp_path / "q2" / "statements" / "C2-2027-Q2.html").read_text(encoding="utf-8"))
    # C2 Q2: gross 3,777.78, the 833.33 owed is recovered: payable 2,944.45, owed 0
    assert (q2["gross"], q2["balance_in"], q2["payable"], q2["balance_out"]) == ("3,777.78", "833.33",
                                                                              "USD 2,944.45", "0.00")


def test_close_without_statements_writes_none(tmp_path):
    q3 = three_quarters(tmp_path)
    assert not (q3 / "statements").exists()


def test_the_workbook_of_a_close_has_a_ledger_sheet_with_live_balances(tmp_path):
    import openpyxl

    from xlcomp.ooxml.libreoffice import recalculate

    q3 = three_quarters(tmp_path, "--workbook")
    [target] = q3.glob("*.xlsx")
    book = openpyxl.load_workbook(target)
    assert book.sheetnames[:8] == ["Guide", "Plan", "Roster", "Accounts", "Adjustments", "Summary", "ROI", "Ledger"]
    sheet = book["Ledger"]
    assert set(sheet.tables) == {"LedgerLines", "LedgerYtd", "LedgerBalance"}
    lines = [[c.value for c in row] for row in sheet[sheet.tables["LedgerLines"].ref]][1:]
    # C1's carried-in lines at Q3: Q2's correction and A1's clawback (see test_year)
    assert [(r[0], r[1], r[2], r[3], r[6]) for r in lines] == [("C1", "prior_period", "upsell", 500, "2027-Q2@2"),
                                                               ("C1", "clawback", "upsell", -1000, "2027-Q1@1")]
    ytd = [[c.value for c in row] for row in sheet[sheet.tables["LedgerYtd"].ref]][1:]
    assert [(r[0], r[1], r[6], r[7]) for r in ytd] == [("C1", "renewal", 17000.01, 11111.12),
                                                       ("C2", "renewal", 7222.22, 4444.45),
                                                       ("C3", "renewal", 2777.78, 1666.67)]
    assert ytd[0][8].startswith("=G") and "-H" in ytd[0][8]
    balance_ref = sheet.tables["LedgerBalance"].ref
    balance = [[c.value for c in row] for row in sheet[balance_ref]]
    assert balance[0] == ["csm_id", "name", "ledger_lines", "gross", "balance_in", "draw", "recoverable", "payable",
                          "balance_out"]
    assert balance[1][2].startswith("=SUMIFS(") and balance[1][7].startswith("=MAX(0,")
    [recomputed] = recalculate([target], tmp_path / "recalc")
    values = openpyxl.load_workbook(recomputed, data_only=True)["Ledger"]
    rows = {r[0]: [round(v, 2) if isinstance(v, float | int) and not isinstance(v, bool) else v for v in r]
            for r in ([c.value for c in row] for row in values[balance_ref])}
    # C1: ledger lines 500.00 - 1,000.00; gross 5,388.89, payable 5,388.89 (the numbers of summary.csv)
    assert rows["C1"][2:] == [-500, 5388.89, 0, 0, False, 5388.89, 0]
    assert rows["C2"][7] == 2777.77 and rows["C3"][7] == 1111.11
    ytd_values = [[c.value for c in row] for row in values[sheet.tables["LedgerYtd"].ref]][1:]
    assert [round(r[8], 2) for r in ytd_values] == [5888.89, 2777.77, 1111.11]


def test_verify_holds_on_a_close_statement_and_flags_a_panel_off_the_balance_rule(tmp_path):
    from xlcomp.statements.verify import verify_statement

    q3 = three_quarters(tmp_path, "--statements", "--no-pdf")
    path = q3 / "statements" / "C1-2027-Q3.html"
    outcome = verify_statement(path)
    assert outcome.holds, outcome.differences   # the panel (YTD line, correction, clawback) shown as carried
    html = path.read_text(encoding="utf-8")
    assert html.count('"payable":"5388.89"') == 1
    tampered = tmp_path / "tampered.html"
    tampered.write_text(html.replace('"payable":"5388.89"', '"payable":"6388.89"'), encoding="utf-8")
    outcome = verify_statement(tampered)
    assert not outcome.holds
    # gross 5,388.89, nothing owed, no draw: max(0, 5,388.89 - 0.00) + 0.00 = 5,388.89, not 6,388.89
    assert any(d.what == "ledger payable" and d.statement == "6388.89" and d.recomputed.startswith("5388.89")
               for d in outcome.differences), outcome.differences
