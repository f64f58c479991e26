"""Workbooks for the Excel tests, built once per session and recalculated by LibreOffice in ONE call.

``books`` holds, by name: the six preset plans on a small sample book, a hand-worked plan whose
roster has awkward ids and names (formula-like text, wildcards, a number-like id, a CSM with no
accounts), the full-service workbook edited with openpyxl (an account's renewed ARR, a CSM's end
date, a tier rate) and two templates. Each entry keeps the run it was written from and, after the
batch, the path of LibreOffice's recalculated copy.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import textwrap
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import range_boundaries

from xlcomp.demo.project import PRESETS, preset_text
from xlcomp.demo.sample import sample_book
from xlcomp.engine.run import RunResult, run
from xlcomp.load.adjustments import load_adjustments
from xlcomp.load.changes import load_changes
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan import parse_plan
from xlcomp.load.roster import load_roster
from xlcomp.model.adjustments import Adjustment
from xlcomp.model.period import parse_period
from xlcomp.model.plan import Plan
from xlcomp.ooxml.libreoffice import recalculate
from xlcomp.workbook.writer import template_result, write_workbook

PERIOD = "2027-Q1"
SAMPLE = (12, 360, 7)

HAND_PLAN = textwrap.dedent("""
    id: hand-worked
    name: "=Hand worked [plan]: Q1/2027"
    currency: USD
    period: quarter
    inputs: {overhead_rate: 0.25, support_team_cost: 10000}
    components:
      - id: renewal
        kind: bonus
        metric: gross_renewal_rate
        weight: 0.5
        target: 0.92
        threshold: 0.85
        curve: {mode: marginal, tiers: [{upto: 1.0, rate: 1.0}, {upto: 1.1, rate: 3.0}, {rate: 1.0}]}
        cap: 1.5
      - id: upsell
        kind: commission
        metric: upsell_arr
        quota: {column: quota_upsell}
        curve: {mode: marginal, tiers: [{upto: 1.0, rate: 0.075}, {upto: 1.5, rate: 0.125}, {rate: 0.15}]}
        gate: {metric: gross_renewal_rate, min: 0.80}
      - id: nps
        kind: bonus
        metric: nps
        weight: 0.5
        target: 40
        curve: {mode: steps, tiers: [{upto: 0.5, rate: 0}, {upto: 1.0, rate: 0.5}, {rate: 1.0}]}
    multipliers:
      - {metric: health_score, applies_to: [renewal], bands: [{min: 80, factor: 1.1}, {min: 60, factor: 1.0}]}
    """)

# Every metric, mode and option the plan format has, paid monthly (some odd on purpose: a component id
# starting with a digit, bounded last tiers, a metric with no data anywhere, negative band mins).
SINK_PLAN = textwrap.dedent("""
    id: kitchen-sink
    name: Everything, monthly
    currency: EUR
    period: month
    inputs: {team_attainment: 0.97, overhead_rate: 0.1}
    components:
      - {id: 1st_logo, kind: bonus, metric: logo_churn_rate, weight: 0.1, target: 0.05,
         curve: {mode: whole, tiers: [{upto: 1.0, rate: 1.0}, {rate: 0.5}]}}
      - {id: adoption, kind: bonus, metric: adoption_rate, weight: 0.1, target: 0.7, threshold: 0.5,
         curve: {mode: steps, tiers: [{upto: 0.8, rate: 0.2}, {upto: 1.2, rate: 1.0}]}}
      - id: health
        kind: bonus
        metric: health_score
        weight: 0.1
        target: {base: 75, risk_adjust: {per_point: 0.2, reference: 50, floor: 60, ceiling: 90}}
        curve: {mode: marginal, tiers: [{upto: 1.0, rate: 1.0}, {rate: 1.5}]}
        cap: 1.2
      - {id: onboarding, kind: bonus, metric: onboarding_rate, weight: 0.1, target: 0.9, cap: 1.3,
         curve: {mode: marginal, tiers: [{upto: 1.0, rate: 1.0}, {upto: 1.2, rate: 2.0}]}}
      - {id: team, kind: bonus, metric: team_attainment, weight: 0.1, target: 1.0,
         curve: {mode: marginal, tiers: [{rate: 1.0}]}}
      - {id: company, kind: bonus, metric: company_attainment, weight: 0.1, target: 1.0,
         curve: {mode: marginal, tiers: [{rate: 1.0}]}}
      - {id: mbo, kind: bonus, metric: mbo_score, weight: 0.1, target: 1.0,
         curve: {mode: whole, tiers: [{upto: 0.9, rate: 0.5}, {rate: 1.0}]}}
      - {id: util, kind: bonus, metric: utilization, weight: 0.1, target: 0.75, threshold: 0.8,
         curve: {mode: marginal, tiers: [{upto: 1.0, rate: 1.0}, {upto: 1.2, rate: 1.5}, {rate: 0.5}]}}
      - {id: nrr, kind: bonus, metric: net_revenue_retention, weight: 0.1, target: 1.0,
         curve: {mode: steps, tiers: [{upto: 0.95, rate: 0}, {upto: 1.05, rate: 1.0}, {rate: 1.25}]},
         gate: {metric: gross_renewal_rate, min: 0.85}}
      - {id: expansion, kind: commission, metric: expansion_arr, quota: 3000, threshold: 0.5, cap_amount: 400,
         curve: {mode: whole, tiers: [{upto: 1.0, rate: 0.05}, {rate: 0.08}]}}
      - {id: churned, kind: commission, metric: churned_arr, rate: 0.01}
      - {id: referrals, kind: commission, metric: referrals, rate: 250, gate: {metric: nps, min: -10}}
      - {id: value, kind: commission, metric: value_identified_arr, quota: {column: quota_cross_sell},
         curve: {mode: marginal, tiers: [{upto: 1, rate: 0.02}, {rate: 0.04}]}, gate: {metric: mbo_score, min: 0.9}}
    multipliers:
      - {metric: nps, bands: [{min: 40, factor: 1.1}, {min: -100, factor: 0.9}, {min: 0, factor: 1.0}]}
      - {metric: team_attainment, applies_to: [adoption, health], bands: [{min: 0.95, factor: 1.05}]}
    """)

# csm_id, name, base, target variable, start, end, quota_upsell
HAND_ROSTER = [
    ("A-1", "Ava Okafor", 120000, 40000, "2020-01-01", "", 300000),
    ("=cmd", "+Bob [Lead]: O'Brien*?", 90000, 20000, "2027-02-15", "", 100000),
    ("A*1", "@Wild Card", 80000, 16000, "2021-06-01", "", 50000),
    ("1001", "-Numeric Id", 85000, 10000, "2019-03-01", "2027-01-31", 50000),
]
# account_id, csm_id, arr_start, renewable, renewed, upsell, health, nps
HAND_ACCOUNTS = [
    ("ACC-1", "A-1", 200000, 100000, 95000, 500000, 70, 50),
    ("ACC-2", "=cmd", 60000, 50000, 40000, 0, 85, None),
    ("ACC-3", "1001", 10000, 10000, 10000, 0, None, 20),
]
# the hand-worked payouts (see test_workbook_numbers.py)
HAND_TOTALS = {"A-1": Decimal("59239.14"), "=cmd": Decimal("1195.65"), "A*1": Decimal("0.00"),
               "1001": Decimal("758.16")}

# csm_id, amount, reason, component, approved_by: two rows for A-1 (+1,200.505 -> 1,200.51 and a -300
# clawback: 59,239.14 + 900.51 = 60,139.65), one for the formula-like id, one for the number-like id
HAND_ADJUSTMENTS = [
    ("A-1", Decimal("1200.505"), "Missed Q4 renewal credit", "adjustment", "Dana Ruiz"),
    ("=cmd", Decimal("-0.005"), "Rounding: half away from zero", "adjustment", ""),
    ("A-1", Decimal("-300"), "Clawback: churned account", "clawback", ""),
    ("1001", Decimal("99.994"), "Spiff", "spiff", "Sam Lee"),
]
HAND_ADJUSTED_TOTALS = {"A-1": Decimal("60139.65"), "=cmd": Decimal("1195.64"), "A*1": Decimal("0.00"),
                        "1001": Decimal("858.15")}
# typed with openpyxl into the Adjustments table's first blank row of the adjusted workbook
ADDED_ADJUSTMENT = ("A*1", 250.255, "Typed in by finance", None, "CFO")


@dataclass
class Book:
    """A workbook of the session: the run it shows, its file, LibreOffice's recalculated copy."""

    name: str
    result: RunResult
    path: Path
    recalculated: Path | None = None
    extra: dict[str, object] = field(default_factory=dict)


def preset_plan(name: str) -> Plan:
    """A preset plan."""
    return parse_plan(preset_text(name), filename=f"{name}.yaml")


def sample_run(plan: Plan, period: str = PERIOD) -> RunResult:
    """The plan on the small sample book."""
    roster, accounts = sample_book(*SAMPLE, period)
    roster_model, book = load_inputs(plan, roster, accounts)
    return run(plan, roster_model, book, parse_period(period))


# csm_id, field, value, effective: roster changes of the hand-worked CSMs (SPEC section 10)
DATED_CHANGES = [
    ("A-1", "target_variable", 52000, "2027-02-15"),
    ("A-1", "quota_upsell", 400000, "2027-03-01"),
    ("A*1", "target_variable", 20000, "2027-01-10"),   # a wildcard id must not match A-1
    ("=cmd", "target_variable", 30000, "2027-01-01"),  # before the hire on 2027-02-15
    ("1001", "target_variable", 12000, "2027-01-15"),  # the leaver
    ("1001", "manager", "Nia", "2027-01-20"),
]


def hand_run(adjustments: tuple[Adjustment, ...] = (), dated: bool = False,
             changes_rows: list[tuple[str, str, object, str]] | None = None) -> RunResult:
    """The hand-worked plan on its four CSMs (with ``adjustments`` when given; ``dated``: with ``changes_rows``,
    by default :data:`DATED_CHANGES`)."""
    plan = parse_plan(HAND_PLAN, filename="hand.yaml")
    roster = pd.DataFrame(HAND_ROSTER, columns=["csm_id", "name", "base_salary", "target_variable", "start_date",
                                                "end_date", "quota_upsell"])
    roster.insert(2, "segment", "Enterprise")
    accounts = pd.DataFrame(HAND_ACCOUNTS, columns=["account_id", "csm_id", "arr_start", "renewable_arr",
                                                    "renewed_arr", "upsell_arr", "health_score", "nps"])
    accounts.insert(2, "segment", "Enterprise")
    roster_model, book = load_inputs(plan, roster, accounts)
    changes = None
    if dated:
        frame = pd.DataFrame(DATED_CHANGES if changes_rows is None else changes_rows,
                             columns=["csm_id", "field", "value", "effective"])
        changes = load_changes(frame, roster_model, parse_period(PERIOD), plan)
    return run(plan, roster_model, book, parse_period(PERIOD), adjustments=adjustments, changes=changes)


# Ramps and SPIFs (SPEC section 10), worked by hand in test_ramps_spifs.py
RAMP_SPIF_PLAN = textwrap.dedent("""
    id: ramp-spif
    name: Ramps and SPIFs
    currency: USD
    period: quarter
    ramp: [{months: 1, factor: 0.25}, {months: 2, factor: 0.5}, {months: 3, factor: 0.75}]
    components:
      - id: renewal
        kind: bonus
        metric: gross_renewal_rate
        weight: 0.5
        target: 0.9
        curve: {mode: marginal, tiers: [{upto: 1.0, rate: 1.0}, {rate: 1.0}]}
      - id: upsell
        kind: commission
        metric: upsell_arr
        quota: {column: quota_upsell}
        curve: {mode: marginal, tiers: [{upto: 1.0, rate: 0.05}, {rate: 0.08}]}
      - id: feb_spif
        kind: commission
        metric: upsell_arr
        rate: 0.10
        cap_amount: 1500
        window: {from: 2027-02-01, to: 2027-02-14}
        segments: [Enterprise, Mid-Market]
      - id: expansion_spif
        kind: commission
        metric: expansion_arr
        quota: 10000
        curve: {mode: whole, tiers: [{upto: 1.0, rate: 0.02}, {rate: 0.04}]}
        window: {from: 2027-03-01, to: 2027-04-15}
    """)
# csm_id, segment, start_date, quota_upsell
RAMP_SPIF_ROSTER = [("A", "Enterprise", "2020-01-01", 100000), ("B", "SMB", "2026-11-15", 100000),
                    ("C", "Mid-Market", "2027-02-01", 40000)]
# account_id, csm_id, upsell_arr, cross_sell_arr, booked_on (renewable 10,000, renewed 9,000 each)
RAMP_SPIF_ACCOUNTS = [("a1", "A", 10000, 0, "2027-02-01"), ("a2", "A", 4000, 2000, "2027-03-01"),
                      ("a3", "A", 90000, 0, ""), ("b1", "B", 20000, 5000, "2027-02-05"),
                      ("c1", "C", 20000, 0, "2027-02-10"), ("c2", "C", 1000, 500, "2027-03-31")]


def ramp_spif_run() -> RunResult:
    """The ramps-and-SPIFs plan on its three CSMs."""
    plan = parse_plan(RAMP_SPIF_PLAN, filename="ramp_spif.yaml")
    roster = pd.DataFrame(RAMP_SPIF_ROSTER, columns=["csm_id", "segment", "start_date", "quota_upsell"])
    roster.insert(1, "name", roster["csm_id"])
    roster["base_salary"], roster["target_variable"] = 100000, 40000
    accounts = pd.DataFrame(RAMP_SPIF_ACCOUNTS, columns=["account_id", "csm_id", "upsell_arr", "cross_sell_arr",
                                                        "booked_on"])
    accounts["arr_start"], accounts["renewable_arr"], accounts["renewed_arr"] = 100000, 10000, 9000
    roster_model, book = load_inputs(plan, roster, accounts)
    return run(plan, roster_model, book, parse_period(PERIOD))


def hand_adjustments() -> tuple[Adjustment, ...]:
    """The hand-worked adjustments."""
    return tuple(Adjustment(*row) for row in HAND_ADJUSTMENTS)


def add_adjustment(source: Path, target: Path) -> None:
    """Type :data:`ADDED_ADJUSTMENT` into the first blank row of the Adjustments table with openpyxl."""
    workbook = openpyxl.load_workbook(source)
    sheet = workbook["Adjustments"]
    first_col, first_row, _last_col, last_row = range_boundaries(sheet.tables["Adjustments"].ref)
    row = next(r for r in range(first_row + 1, last_row + 1) if sheet.cell(r, first_col).value is None)
    for offset, value in enumerate(ADDED_ADJUSTMENT):
        sheet.cell(row, first_col + offset).value = value
    workbook.save(target)


def edit_workbook(source: Path, target: Path) -> dict[str, object]:
    """Edit a full-service workbook as finance would: an account's renewed ARR, a CSM's end date and a
    tier rate. Returns what was edited."""
    workbook = openpyxl.load_workbook(source)
    accounts = workbook["Accounts"]
    header = [c.value for c in accounts[1]]
    renewable, renewed, owner = (header.index(c) + 1 for c in ("renewable_arr", "renewed_arr", "csm_id"))
    edited_account = None
    for row in range(2, accounts.max_row + 1):
        value = accounts.cell(row, renewable).value or 0
        if value > 0 and accounts.cell(row, renewed).value == value:
            accounts.cell(row, renewed).value = value * 0.55
            edited_account = (row, accounts.cell(row, owner).value)
            break
    roster = workbook["Roster"]
    roster_header = [c.value for c in roster[1]]
    roster.cell(3, roster_header.index("end_date") + 1).value = dt.datetime(2027, 2, 14)
    leaver = roster.cell(3, 1).value
    plan_sheet = workbook["Plan"]
    first_col, first_row, _last_col, _last_row = range_boundaries(plan_sheet.tables["Tiers_renewal"].ref)
    plan_sheet.cell(first_row + 2, first_col + 3).value = 2.5      # tier 2's rate: 2.0 -> 2.5
    workbook.save(target)
    return {"account": edited_account, "leaver": leaver, "tier_rate": Decimal("2.5")}


def tamper(source: Path, target: Path) -> Path:
    """A copy whose cached Summary total for A-1 says 1 instead of 59,239.14: LibreOffice must recompute it."""
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in archive.infolist():
            data = archive.read(item)
            if item.filename == "xl/worksheets/sheet6.xml":      # Summary, the sixth sheet
                assert data.count(b"<v>59239.14</v>") == 1
                data = data.replace(b"<v>59239.14</v>", b"<v>1</v>")
            out.writestr(item, data)
    return target


def edited_plan(plan: Plan) -> Plan:
    """The full-service plan with the renewal curve's second tier paying 2.5."""
    component = plan.component("renewal")
    assert component.curve is not None
    tiers = list(component.curve.tiers)
    tiers[1] = dataclasses.replace(tiers[1], rate=Decimal("2.5"))
    renewal = dataclasses.replace(component, curve=dataclasses.replace(component.curve, tiers=tuple(tiers)))
    return dataclasses.replace(plan, components=tuple(renewal if c.id == "renewal" else c for c in plan.components))


@pytest.fixture(scope="session")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Book]:
    """Every workbook of the Excel tests, written, edited and recalculated (one LibreOffice call)."""
    folder = tmp_path_factory.mktemp("workbooks")
    made: dict[str, Book] = {}
    for name in PRESETS:
        result = sample_run(preset_plan(name))
        made[name] = Book(name, result, write_workbook(result, folder / f"{name}.xlsx", generation_id="fixed"))
    hand = hand_run()
    made["hand"] = Book("hand", hand, write_workbook(hand, folder / "hand.xlsx"))
    dated = hand_run(dated=True)
    made["dated"] = Book("dated", dated, write_workbook(dated, folder / "dated.xlsx"))
    # one change: the Changes table has fewer rows than the tab has stretches
    one = hand_run(dated=True, changes_rows=DATED_CHANGES[:1])
    made["dated_one"] = Book("dated_one", one, write_workbook(one, folder / "dated_one.xlsx"))
    ramped = ramp_spif_run()
    made["ramp_spif"] = Book("ramp_spif", ramped, write_workbook(ramped, folder / "ramp_spif.xlsx"))
    made["tampered"] = Book("tampered", hand, tamper(made["hand"].path, folder / "tampered.xlsx"))
    adjusted = hand_run(hand_adjustments())
    made["adjusted"] = Book("adjusted", adjusted, write_workbook(adjusted, folder / "adjusted.xlsx"))
    add_adjustment(made["adjusted"].path, folder / "adjusted_added.xlsx")
    added_rows = load_adjustments(folder / "adjusted_added.xlsx", adjusted.roster)
    added = hand_run(added_rows)
    made["adjusted_added"] = Book("adjusted_added", added, folder / "adjusted_added.xlsx")
    made["adjusted_added_expected"] = Book("adjusted_added_expected", added,
                                           write_workbook(added, folder / "adjusted_added_expected.xlsx"))
    sink = sample_run(parse_plan(SINK_PLAN, filename="sink.yaml"), "2027-03")
    made["kitchen_sink"] = Book("kitchen_sink", sink, write_workbook(sink, folder / "kitchen_sink.xlsx"))
    yearly = sample_run(parse_plan(preset_text("adoption_renewal").replace("period: quarter", "period: year")),
                        "2027")
    made["yearly"] = Book("yearly", yearly, write_workbook(yearly, folder / "yearly.xlsx"))

    full = made["full_service"]
    edits = edit_workbook(full.path, folder / "edited.xlsx")
    plan = edited_plan(full.result.plan)
    roster, book = load_inputs(plan, folder / "edited.xlsx", folder / "edited.xlsx")
    edited = run(plan, roster, book, parse_period(PERIOD))
    made["edited"] = Book("edited", edited, folder / "edited.xlsx", extra=edits)
    made["edited_expected"] = Book("edited_expected", edited,
                                   write_workbook(edited, folder / "edited_expected.xlsx"))

    template = template_result(full.result.plan, full.result.roster, full.result.book, parse_period(PERIOD))
    made["template"] = Book("template", template, write_workbook(template, folder / "template.xlsx",
                                                                 mode="template"))
    roster_only = load_roster(_roster_csv(folder), full.result.plan)
    bare = template_result(full.result.plan, roster_only, None, parse_period(PERIOD))
    made["template_bare"] = Book("template_bare", bare, write_workbook(bare, folder / "template_bare.xlsx",
                                                                       mode="template"))

    outputs = recalculate([b.path for b in made.values()], folder / "recalculated")
    for entry, output in zip(made.values(), outputs, strict=True):
        entry.recalculated = output
    return made


def _roster_csv(folder: Path) -> Path:
    roster, _ = sample_book(*SAMPLE, PERIOD)
    path = folder / "roster.csv"
    roster.to_csv(path, index=False)
    return path
