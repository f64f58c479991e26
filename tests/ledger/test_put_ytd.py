"""The year-to-date results put into the run's payout columns a component at a time land where the row-by-row
lookup puts them, and nothing is put when the columns are laid out otherwise."""

from __future__ import annotations

import copy
from decimal import Decimal as D
from types import SimpleNamespace
from typing import Any

from xlcomp.ledger.build import _YTD_FIELDS, _put_ytd
from xlcomp.ledger.ytd import YtdResult

RENEWAL = SimpleNamespace(id="renewal")


def _result(csm_id: str, ytd_payout: str, before: str) -> YtdResult:
    return YtdResult(csm_id, RENEWAL, D(100), D(200), D("0.5"), D("0.5"), D(1000), D(1), D(ytd_payout), D(before),
                     f"year to date: {ytd_payout} less {before}")   # type: ignore[arg-type]


def _columns(ids: list[str], components: list[str]) -> dict[str, list[Any]]:
    rows = [(csm_id, component) for csm_id in ids for component in components]   # CSM by CSM, components in turn
    columns: dict[str, list[Any]] = {"csm_id": [r[0] for r in rows], "component": [r[1] for r in rows]}
    for name in _YTD_FIELDS:
        columns[name] = [f"{name} of {r[0]} {r[1]}" for r in rows]
    return columns


def _by_lookup(columns: dict[str, list[Any]], found: list[YtdResult]) -> dict[str, list[Any]]:
    out = copy.deepcopy(columns)
    ytd = {(r.csm_id, r.component.id): r for r in found}
    for i, key in enumerate(zip(out["csm_id"], out["component"], strict=True)):
        if key in ytd:
            for name in _YTD_FIELDS:
                out[name][i] = getattr(ytd[key], name)
    return out


def test_the_results_land_on_their_rows():
    columns = _columns(["C1", "C2", "C3"], ["upsell", "renewal", "nps"])
    found = [_result("C1", "900.00", "400.00"), _result("C2", "50.00", "60.00"), _result("C3", "0.00", "0.00")]
    expected = _by_lookup(columns, found)
    assert _put_ytd(columns, found, ["renewal"])
    assert columns == expected
    # C1's renewal row (the second of its three) pays 900.00 - 400.00 = 500.00; C2's pays back 10.00
    assert columns["payout"][1] == D("500.00") and columns["payout"][4] == D("-10.00")
    assert columns["payout"][0] == "payout of C1 upsell"


def test_other_layouts_are_left_to_the_lookup():
    columns = _columns(["C1", "C2"], ["upsell", "renewal"])
    before = copy.deepcopy(columns)
    # the results in another CSM order, a component the columns lack, or more rows than the columns hold
    assert not _put_ytd(columns, [_result("C2", "1.00", "0"), _result("C1", "2.00", "0")], ["renewal"])
    assert not _put_ytd(columns, [_result("C1", "1.00", "0"), _result("C2", "2.00", "0")], ["nps"])
    assert not _put_ytd(columns, [_result(c, "1.00", "0") for c in ("C1", "C2", "C3")], ["renewal"])
    columns["csm_id"].append("C9")   # an adjustment line: the columns are no longer CSMs x components
    columns["component"].append("renewal")
    assert not _put_ytd(columns, [_result("C1", "1.00", "0"), _result("C2", "2.00", "0")], ["renewal"])
    del columns["csm_id"][-1], columns["component"][-1]
    assert columns == before
