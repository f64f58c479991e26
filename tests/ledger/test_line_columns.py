"""A close's lines kept as columns: the same lines, the same order, the same stored table as Line tuples give."""

from __future__ import annotations

from decimal import Decimal as D

from xlcomp.ledger.build import _in_order, _put, _spans
from xlcomp.ledger.records import Line, LineColumns, lines_table


def _lines() -> list[Line]:
    return [Line("C1", "renewal", "bonus", D("5000.00"), "nrr", "1.05", "1", "1.05", "0.5", "5000.00", "1"),
            Line("C1", "upsell", "commission", D("400.00"), note="10% of 4,000"),
            Line("C2", "renewal", "bonus", D("0.00")),
            Line("C2", "upsell", "commission", D("-0.00"))]


def test_columns_give_back_the_lines_and_their_table():
    lines = _lines()
    columns = LineColumns.of(lines)
    assert len(columns) == 4 and columns.lines() == lines
    assert columns.column("payout") == [D("5000.00"), D("400.00"), D("0.00"), D("-0.00")]
    assert lines_table(columns).equals(lines_table(lines))
    assert lines_table(columns)["payout"].to_pylist() == ["5000.00", "400.00", "0.00", "-0.00"]


def test_runs_of_csms_and_lines_put_in_order():
    assert _spans(["C1", "C1", "C2", "C2", "C2", "C1"]) == {"C1": [(0, 2), (5, 6)], "C2": [(2, 5)]}
    assert _spans([]) == {}
    columns = LineColumns.of(_lines())
    # nothing added, every line in place: the columns themselves (two runs that follow on make one piece)
    pieces: list[list[int]] = []
    _put(pieces, 0, 0, 2)
    _put(pieces, 0, 2, 4)
    assert pieces == [[0, 0, 4]] and _in_order(columns, [], pieces) is columns
    # C2 first, then C1 with a clawback after its component lines (added line 0)
    clawback = Line("C1", "upsell", "clawback", D("-12.50"), account_id="A7", source_period="2027-Q1",
                    source_version=1)
    pieces = []
    for source, start, end in ((0, 2, 4), (0, 0, 2), (1, 0, 1)):
        _put(pieces, source, start, end)
    assert pieces == [[0, 2, 4], [0, 0, 2], [1, 0, 1]]
    assert _in_order(columns, [clawback], pieces).lines() == [*_lines()[2:], *_lines()[:2], clawback]
