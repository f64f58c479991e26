"""Hypothesis strategies for the random parity test: valid plans (as YAML text), rosters and books (as
pandas DataFrames), and an edit of one account for each case's twin.

Everything drawn here is valid input (ids, ascending tiers, weights <= 1, positive targets and quotas,
renewed_arr <= renewable_arr, scores in range), so every case becomes a run and a workbook. The odd
corners are drawn on purpose: CSMs with no accounts, accounts with no renewable ARR or no arr_start,
scores with no data, hires and leavers inside the period, tier bounds on round attainments, bounded
last tiers, caps below the curve, multipliers on some components only; a third of the plans ramp new hires'
quotas and amount targets, a third add a SPIF (a window inside or partly outside the period, maybe segments)
and their accounts carry booked_on dates around the period (some blank); a third split the period with a
second plan version (:mod:`.strategies_versions`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pandas as pd
import yaml
from hypothesis import strategies as st

from xlcomp.model.adjustments import Adjustment
from xlcomp.model.people import SEGMENTS
from xlcomp.model.period import parse_period
from xlcomp.ooxml.refs import excel_id_key

from .strategies_versions import VERSIONS_WITH_DATING, second_version

__all__ = ["Case", "Edit", "cases"]

Draw = Any  # hypothesis' draw function
Columns = dict[str, tuple[Decimal, Decimal, int]]  # roster columns of targets/quotas: name -> (low, high, places)

PERIODS = {"month": ("2027-02", "2028-02", "2027-07"), "quarter": ("2027-Q1", "2027-Q4"),
           "half": ("2027-H2",), "year": ("2027", "2028")}

# metric -> (kind of target, whether it is an amount a commission can pay on)
RATE_METRICS = ("gross_renewal_rate", "net_revenue_retention", "logo_churn_rate", "adoption_rate", "onboarding_rate",
                "utilization", "company_attainment", "team_attainment")
SCORE_METRICS = {"health_score": (20, 95), "nps": (5, 80), "risk_score": (10, 90), "mbo_score": (Decimal("0.5"), 2)}
AMOUNT_METRICS = ("upsell_arr", "expansion_arr", "renewed_arr", "cross_sell_arr", "value_identified_arr",
                  "churned_arr", "renewable_arr")
COUNT_METRICS = ("referrals",)
GATE_METRICS = {"gross_renewal_rate": (0, Decimal("0.95")), "net_revenue_retention": (0, Decimal("1.1")),
                "nps": (-50, 40), "health_score": (0, 70), "mbo_score": (0, 1),
                "company_attainment": (Decimal("0.5"), Decimal("1.2")), "onboarding_rate": (0, Decimal("0.8")),
                "upsell_arr": (0, 20_000)}
MULTIPLIER_METRICS = {"nps": (-100, 100), "health_score": (0, 100), "adoption_rate": (0, 1),
                      "gross_renewal_rate": (0, Decimal("1.2")), "mbo_score": (0, Decimal("1.5")),
                      "team_attainment": (Decimal("0.5"), Decimal("1.5")), "referrals": (0, 6)}
# ids Excel's lookups find only when the formulas are careful: wildcards, a formula-like and a number-like id
ODD_IDS = ("A*1", "B?", "~c", "=cmd", "1001", "x y", "0.50")


@dataclass(frozen=True)
class Edit:
    """The twin's change: account ``account_id`` gets these renewed_arr and upsell_arr."""

    account_id: str
    renewed_arr: float
    upsell_arr: float


@dataclass(frozen=True)
class Case:
    """One random plan, roster and book for a period, and the edit of its twin."""

    plan_yaml: str
    period: str
    roster: pd.DataFrame
    accounts: pd.DataFrame
    edit: Edit
    adjustments: tuple[Adjustment, ...] = ()
    changes: pd.DataFrame | None = None   # roster changes (SPEC section 10): csm_id, field, value, effective
    moves: pd.DataFrame | None = None     # account moves (SPEC section 10): account_id, to_csm, effective
    splits: pd.DataFrame | None = None    # credit splits (SPEC section 10): account_id, csm_id, share
    version_yaml: str | None = None       # a second plan version effective inside the period (SPEC section 10)

    def describe(self) -> str:
        """Everything needed to reproduce the case by hand: plan YAML, period, the tables as CSV, the edit."""
        roster, accounts, changes = io.StringIO(), io.StringIO(), io.StringIO()
        self.roster.to_csv(roster, index=False)
        self.accounts.to_csv(accounts, index=False)
        if self.changes is not None:
            self.changes.to_csv(changes, index=False)
        return (f"period: {self.period}\n--- plan.yaml\n{self.plan_yaml}--- roster.csv\n{roster.getvalue()}"
                f"--- accounts.csv\n{accounts.getvalue()}--- changes.csv\n{changes.getvalue()}"
                f"--- moves.csv\n{_csv(self.moves)}--- splits.csv\n{_csv(self.splits)}"
                f"--- twin edit: {self.edit}\n--- adjustments: {list(self.adjustments)}\n"
                f"--- plan-v2.yaml\n{self.version_yaml or ''}")


def _csv(frame: pd.DataFrame | None) -> str:
    return "" if frame is None else frame.to_csv(index=False)


def _dec(low: Any, high: Any, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(str(low)), max_value=Decimal(str(high)), places=places,
                       allow_nan=False, allow_infinity=False)


def _one_in(draw: Draw, chances: int) -> bool:
    """True once in ``chances`` draws (hypothesis' integers favour their bounds; a sampled list does not)."""
    return bool(draw(st.sampled_from([False] * (chances - 1) + [True])))


def _or_blank(draw: Draw, values: st.SearchStrategy[Any], chances: int) -> Any:
    """None (a blank cell) once in ``chances`` draws, else a value."""
    return None if _one_in(draw, chances) else draw(values)


def _rates(high: str, places: int) -> st.SearchStrategy[Decimal]:
    """Tier rates: mostly above 0 (hypothesis likes 0, and a curve of zeros pays nothing to compare)."""
    return st.sampled_from([False] * 5 + [True]).flatmap(
        lambda zero: st.just(Decimal(0)) if zero else _dec(Decimal(1) / 10 ** places, high, places))


def _num(value: Decimal) -> float | int:
    """A YAML-friendly number: an int when whole, else a float whose repr is the decimal's text."""
    return int(value) if value == value.to_integral_value() else float(value)


# -- plans --------------------------------------------------------------------------------------


def _tiers(draw: Draw, rates: st.SearchStrategy[Decimal], attainment_like: bool) -> list[dict[str, Any]]:
    count = draw(st.integers(1, 4))
    # round bounds (1.0, 1.2 ...) put attainments exactly on a tier edge; others fall anywhere
    bound = st.one_of(st.sampled_from([Decimal(x) for x in ("0.5", "0.8", "0.9", "1", "1.1", "1.2", "1.5", "2")]),
                      _dec("0.05", "2.5", 2)) if attainment_like else _dec("0.1", 3, 2)
    uptos = sorted(draw(st.sets(bound, min_size=count - 1, max_size=count - 1)))
    bounded_last = _one_in(draw, 5)
    if bounded_last:
        uptos.append(draw(_dec(uptos[-1] + Decimal("0.05") if uptos else "0.2", 4, 2)))
    tiers: list[dict[str, Any]] = [{"upto": _num(u), "rate": _num(draw(rates))} for u in uptos]
    if not bounded_last:
        tiers.append({"rate": _num(draw(rates))})
    return tiers


def _target(draw: Draw, metric: str) -> tuple[Any, tuple[Decimal, Decimal, int]]:
    """A fixed target for ``metric`` and the range (low, high, places) a roster column of targets is drawn from."""
    if metric in RATE_METRICS:
        span = (Decimal("0.05"), Decimal("1.5"), 2)
    elif metric in SCORE_METRICS:
        low, high = SCORE_METRICS[metric]
        span = (Decimal(low), Decimal(high), 1)
    elif metric in COUNT_METRICS:
        span = (Decimal(1), Decimal(8), 0)
    else:
        span = (Decimal(500), Decimal(150_000), 2)
    value = draw(st.one_of(_dec(*span), st.sampled_from([span[0], span[1]])))
    return value, span


@st.composite
def _component(draw: Draw, cid: str) -> tuple[dict[str, Any], Columns]:
    """One component, and the roster columns (name -> value range) its target or quota needs."""
    columns: Columns = {}
    kind = draw(st.sampled_from(["bonus", "commission"]))
    if kind == "bonus":
        metric = draw(st.sampled_from([*RATE_METRICS, *SCORE_METRICS, *AMOUNT_METRICS, *COUNT_METRICS]))
        value, span = _target(draw, metric)
        target: Any = _num(value)
        choice = draw(st.integers(0, 5))
        if choice <= 1:
            target = {"column": f"target_{cid}"}
            columns[f"target_{cid}"] = span
        elif choice == 2 and metric in RATE_METRICS and metric in ("gross_renewal_rate", "net_revenue_retention"):
            floor = draw(_dec("0.5", "0.9", 2))
            ceiling = draw(_dec(floor, "1.2", 2))
            base = draw(_dec(floor, ceiling, 2))
            target = {"base": _num(base), "risk_adjust": {
                "per_point": _num(draw(_dec("0", "0.01", 4))), "reference": draw(st.integers(0, 80)),
                "floor": _num(floor), "ceiling": _num(ceiling)}}
        mode = draw(st.sampled_from(["marginal", "whole", "steps"]))
        comp: dict[str, Any] = {"id": cid, "kind": "bonus", "metric": metric,
                                "weight": _num(draw(_dec("0.01", 1, 2))), "target": target,
                                "curve": {"mode": mode, "tiers": _tiers(draw, _rates("3", 2), True)}}
        if draw(st.booleans()):
            comp["threshold"] = _num(draw(_dec(0, "1.2", 2)))
        if draw(st.booleans()):
            comp["cap"] = _num(draw(_dec("0.1", 3, 2)))
    else:
        metric = draw(st.sampled_from([*AMOUNT_METRICS, *COUNT_METRICS]))
        comp = {"id": cid, "kind": "commission", "metric": metric}
        if draw(st.booleans()):
            value, span = _target(draw, metric)
            if draw(st.booleans()):
                comp["quota"] = {"column": f"quota_{cid}"}
                columns[f"quota_{cid}"] = span
            else:
                comp["quota"] = _num(value)
            comp["curve"] = {"mode": draw(st.sampled_from(["marginal", "whole"])),
                             "tiers": _tiers(draw, _rates("0.3", 3), True)}
            if _one_in(draw, 3):
                comp["threshold"] = _num(draw(_dec(0, "1.2", 2)))
        else:
            rate_high = "300" if metric in COUNT_METRICS else "0.3"
            comp["rate"] = _num(draw(_dec(0, rate_high, 3)))
        if _one_in(draw, 3):
            comp["cap_amount"] = _num(draw(_dec(0, 30_000, 2)))
    if _one_in(draw, 5):
        gate_metric = draw(st.sampled_from(sorted(GATE_METRICS)))
        low, high = GATE_METRICS[gate_metric]
        comp["gate"] = {"metric": gate_metric, "min": _num(draw(_dec(low, high, 2)))}
    return comp, columns


@st.composite
def plans(draw: Draw) -> tuple[str, str, Columns]:
    """A valid plan as YAML text, its period label, and the roster columns of targets it names."""
    kind = draw(st.sampled_from(sorted(PERIODS)))
    period = draw(st.sampled_from(PERIODS[kind]))
    inputs: dict[str, Any] = {}
    for name in ("company_attainment", "team_attainment"):
        if not _one_in(draw, 4):
            inputs[name] = _num(draw(_dec("0.5", "1.5", 3)))
    count = draw(st.integers(1, 4))
    pool = ["renewal", "upsell", "nps", "2nd", "x_1", "value", "churn", "logo"]
    ids = draw(st.lists(st.sampled_from(pool), min_size=count, max_size=count, unique=True))
    components, columns = [], {}
    for cid in ids:
        comp, needed = draw(_component(cid))
        components.append(comp)
        columns.update(needed)
    plan: dict[str, Any] = {"id": "random-parity", "name": f"Random {kind} plan", "currency": "USD", "period": kind}
    if inputs:
        plan["inputs"] = inputs
    plan["components"] = components
    multipliers = []
    for _ in range(draw(st.integers(0, 2))):
        metric = draw(st.sampled_from(sorted(MULTIPLIER_METRICS)))
        low, high = MULTIPLIER_METRICS[metric]
        mins = draw(st.lists(_dec(low, high, 2), min_size=1, max_size=3, unique=True))
        multiplier: dict[str, Any] = {"metric": metric, "bands": [
            {"min": _num(m), "factor": _num(draw(_dec(0, 2, 2)))} for m in mins]}
        if draw(st.booleans()):
            multiplier["applies_to"] = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=len(ids),
                                                     unique=True))
        multipliers.append(multiplier)
    if multipliers:
        plan["multipliers"] = multipliers
    if _one_in(draw, 3):  # a ramp (SPEC section 10): 1-3 steps, months ascending
        months = sorted(draw(st.sets(st.integers(1, 14), min_size=1, max_size=3)))
        plan["ramp"] = [{"months": m, "factor": _num(draw(_dec("0.01", 1, 2)))} for m in months]
    if _one_in(draw, 3):  # a SPIF: a commission on amounts booked in a window overlapping the period
        plan["components"].append(draw(_spif(period, list(plan["components"]))))
    return yaml.safe_dump(plan, sort_keys=False), period, columns


@st.composite
def _spif(draw: Draw, period: str, components: list[dict[str, Any]]) -> dict[str, Any]:
    """A SPIF component: a window inside the period or partly outside it, maybe segments, a rate or a quota."""
    the_period = parse_period(period)
    days = (the_period.end - the_period.start).days + 1
    first = the_period.start + timedelta(days=draw(st.integers(-10, days - 1)))
    last = max(first + timedelta(days=draw(st.integers(0, days + 10))), the_period.start)
    spif: dict[str, Any] = {"id": "spif", "kind": "commission", "metric": draw(st.sampled_from(AMOUNT_METRICS)),
                            "window": {"from": first.isoformat(), "to": last.isoformat()}}
    if draw(st.booleans()):
        spif["rate"] = _num(draw(_dec(0, "0.3", 3)))
    else:
        spif["quota"] = _num(draw(_dec(1000, 100_000, 2)))
        spif["curve"] = {"mode": draw(st.sampled_from(["marginal", "whole"])),
                         "tiers": _tiers(draw, _rates("0.3", 3), True)}
    if _one_in(draw, 2):
        spif["cap_amount"] = _num(draw(_dec(0, 10_000, 2)))
    if _one_in(draw, 2):
        spif["segments"] = sorted(draw(st.sets(st.sampled_from(SEGMENTS), min_size=1, max_size=3)))
    return spif


# -- roster and book ----------------------------------------------------------------------------


def _csm_ids(draw: Draw, count: int) -> list[str]:
    ids: list[str] = []
    keys: set[tuple[str, str | float]] = set()
    for index in range(count):
        candidate = draw(st.sampled_from(ODD_IDS)) if _one_in(draw, 6) else f"C-{index + 1}"
        if excel_id_key(candidate) in keys:  # Excel could not tell them apart: the writer refuses such rosters
            candidate = f"C-{index + 1}"
        keys.add(excel_id_key(candidate))
        ids.append(candidate)
    return ids


def _dates(draw: Draw, first: date, last: date) -> tuple[str, str]:
    """start_date and end_date (blank: still employed): mostly employed all period, some hires and leavers
    inside it, a few gone before it starts or hired after it ends."""
    days = (last - first).days + 1
    shape = draw(st.sampled_from(["before"] * 6 + ["hired inside"] * 3 + ["hired after"]))
    if shape == "before":
        start = first - timedelta(days=draw(st.integers(1, 900)))
    elif shape == "hired after":
        start = first + timedelta(days=draw(st.integers(days - 3, days + 20)))
    else:
        start = first + timedelta(days=draw(st.integers(0, days - 1)))
    leaves = draw(st.sampled_from(["stays"] * 6 + ["leaves inside"] * 3 + ["left before"]))
    if leaves == "stays":
        return start.isoformat(), ""
    if leaves == "left before":
        end = first - timedelta(days=draw(st.integers(1, 60)))
    else:
        end = first + timedelta(days=draw(st.integers(0, days - 1)))
    return start.isoformat(), max(start, end).isoformat()


@st.composite
def rosters(draw: Draw, period: str, columns: Columns) -> pd.DataFrame:
    """A roster of 1-5 CSMs with every optional numeric column and the plan's target/quota columns."""
    the_period = parse_period(period)
    count = draw(st.integers(1, 5))
    rows = []
    for index, csm_id in enumerate(_csm_ids(draw, count)):
        start, end = _dates(draw, the_period.start, the_period.end)
        available = draw(st.sampled_from([160, 100, 480, 0]))
        row: dict[str, Any] = {
            "csm_id": csm_id, "name": f"Csm {index + 1}", "segment": draw(st.sampled_from(SEGMENTS)),
            "role": "CSM", "base_salary": draw(st.integers(40_000, 160_000)),
            "target_variable": float(draw(st.sampled_from([Decimal(0)] + [Decimal(1_000)] * 9).flatmap(
                lambda low: st.just(low) if not low else _dec(low, 120_000, 2)))),
            "start_date": start, "end_date": end, "manager": "Mgr",
            "mbo_score": _or_blank(draw, _dec(0, "1.5", 2).map(float), 4),
            "billable_hours": draw(st.integers(0, 500)), "available_hours": available,
        }
        for column, (low, high, places) in columns.items():
            row[column] = float(draw(_dec(max(low, Decimal(1) / 10 ** places), high, places)))
        rows.append(row)
    return pd.DataFrame(rows)


def _amount(draw: Draw, high: int) -> float:
    if _one_in(draw, 4):
        return 0.0
    return float(draw(st.one_of(st.integers(1, high).map(Decimal), _dec(0, high, 2))))


@st.composite
def books(draw: Draw, csm_ids: list[str], booked: tuple[date, date] | None = None) -> pd.DataFrame:
    """1-10 accounts spread over some of the CSMs (others have none), with zero denominators and missing
    scores drawn on purpose; with ``booked`` (the period's days), a booked_on date of each account around
    them (some blank)."""
    owners = draw(st.lists(st.sampled_from(csm_ids), min_size=1, max_size=10))
    rows = []
    for index, owner in enumerate(owners):
        arr_start = _amount(draw, 400_000)
        renewable = 0.0 if _one_in(draw, 5) else _amount(draw, 300_000)
        share = draw(st.sampled_from([Decimal(0), Decimal(1), Decimal("0.9"), Decimal("0.5")]) | _dec(0, 1, 3))
        renewed = float((Decimal(str(renewable)) * share).quantize(Decimal("0.01"), rounding="ROUND_DOWN"))
        planned = draw(st.integers(0, 4))
        rows.append({
            "account_id": f"ACC-{index + 1}", "csm_id": owner, "segment": draw(st.sampled_from(SEGMENTS)),
            "arr_start": arr_start, "renewable_arr": renewable, "renewed_arr": renewed,
            "upsell_arr": _amount(draw, 120_000), "cross_sell_arr": _amount(draw, 60_000),
            "contraction_arr": _amount(draw, 30_000),
            "health_score": _or_blank(draw, _dec(0, 100, 1).map(float), 4),
            "nps": _or_blank(draw, st.integers(-100, 100), 4),
            "adoption_rate": _or_blank(draw, _dec(0, 1, 3).map(float), 4),
            "onboarding_planned": planned, "onboarding_done": draw(st.integers(0, planned)),
            "value_identified_arr": _amount(draw, 200_000), "referrals": draw(st.integers(0, 4)),
            "risk_score": _or_blank(draw, st.integers(0, 100), 4),
        })
        if booked is not None:
            span = (booked[1] - booked[0]).days
            day = booked[0] + timedelta(days=draw(st.integers(-15, span + 15)))
            rows[-1]["booked_on"] = "" if _one_in(draw, 5) else day.isoformat()
    frame = pd.DataFrame(rows)
    for column in ("health_score", "nps", "adoption_rate", "risk_score"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


@st.composite
def changes(draw: Draw, period: str, roster: pd.DataFrame, columns: Columns) -> pd.DataFrame | None:
    """Roster changes for half the cases: target variable and target/quota columns of some CSMs changing
    inside the period (some before it or after it), never two of one field of one CSM on one day."""
    if _one_in(draw, 2):
        return None
    the_period = parse_period(period)
    days = (the_period.end - the_period.start).days + 1
    fields: dict[str, tuple[Decimal, Decimal, int]] = {"target_variable": (Decimal(1000), Decimal(120_000), 2),
                                                       **columns}
    rows, seen = [], set()
    for csm_id in roster["csm_id"]:
        if _one_in(draw, 3):
            continue
        for field, (low, high, places) in fields.items():
            for _ in range(draw(st.integers(0, 3))):
                effective = the_period.start + timedelta(days=draw(st.integers(-20, days + 10)))
                if (csm_id, field, effective) in seen:
                    continue
                seen.add((csm_id, field, effective))
                value = draw(_dec(max(low, Decimal(1) / 10 ** places), high, places))
                rows.append({"csm_id": csm_id, "field": field, "value": float(value),
                             "effective": effective.isoformat()})
    if not rows:
        return None
    return pd.DataFrame(rows, columns=["csm_id", "field", "value", "effective"])


@st.composite
def credits(draw: Draw, period: str, roster: pd.DataFrame, accounts: pd.DataFrame
            ) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Account moves and credit splits for half the cases: some accounts moved once or twice (some
    before or after the period, to any CSM), others split between 1-3 CSMs (shares summing above 0; above
    or below 1 too), never an account both moved and split."""
    if _one_in(draw, 2):
        return None, None
    the_period = parse_period(period)
    days = (the_period.end - the_period.start).days + 1
    csm_ids = list(roster["csm_id"])
    moves, splits = [], []
    for account_id in accounts["account_id"]:
        pick = draw(st.integers(0, 3))
        if pick == 1:
            used = set()
            for _ in range(draw(st.integers(1, 2))):
                effective = the_period.start + timedelta(days=draw(st.integers(-20, days + 10)))
                if effective not in used:
                    used.add(effective)
                    moves.append({"account_id": account_id, "to_csm": draw(st.sampled_from(csm_ids)),
                                  "effective": effective.isoformat()})
        elif pick == 2:
            chosen = draw(st.lists(st.sampled_from(csm_ids), min_size=1, max_size=3, unique=True))
            shares = [draw(st.sampled_from([Decimal("0.6"), Decimal("0.4"), Decimal("0.5"), Decimal(0)])
                           | _dec(0, 1, 2)) for _ in chosen]
            if sum(shares) == 0:
                shares[0] = Decimal(1)
            splits += [{"account_id": account_id, "csm_id": c, "share": float(v)}
                       for c, v in zip(chosen, shares, strict=True)]
    return (pd.DataFrame(moves, columns=["account_id", "to_csm", "effective"]) if moves else None,
            pd.DataFrame(splits, columns=["account_id", "csm_id", "share"]) if splits else None)


@st.composite
def cases(draw: Draw) -> Case:
    """A random plan, roster, book and period, and the edit of its twin."""
    plan_yaml, period, columns = draw(plans())
    roster = draw(rosters(period, columns))
    the_period = parse_period(period)
    booked = (the_period.start, the_period.end) if "window:" in plan_yaml or _one_in(draw, 4) else None
    accounts = draw(books(list(roster["csm_id"]), booked))
    index = draw(st.integers(0, len(accounts) - 1))
    renewable = Decimal(str(accounts.loc[index, "renewable_arr"]))
    share = draw(st.sampled_from([Decimal(0), Decimal("0.5"), Decimal(1)]) | _dec(0, 1, 3))
    edit = Edit(str(accounts.loc[index, "account_id"]),
                float((renewable * share).quantize(Decimal("0.01"), rounding="ROUND_DOWN")),
                float(draw(st.integers(0, 250_000))))
    adjustments: tuple[Adjustment, ...] = ()
    if _one_in(draw, 3):  # a third of the cases pay adjustments: some CSMs twice, amounts with half cents
        count = draw(st.integers(1, 4))
        adjustments = tuple(
            Adjustment(draw(st.sampled_from(list(roster["csm_id"]))), draw(_dec(-5000, 5000, 3)),
                       f"reason {number}", draw(st.sampled_from(["adjustment", "clawback", "spiff"])),
                       draw(st.sampled_from(["", "Dana Ruiz"])))
            for number in range(count))
    # a third of the cases split the period with a second plan version, with roster changes, moves and splits too
    # (strategies_versions.VERSIONS_WITH_DATING), SPIFs included
    version = draw(second_version(plan_yaml, period)) if _one_in(draw, 3) else None
    undated = version is not None and not VERSIONS_WITH_DATING
    dated = None if undated else draw(changes(period, roster, columns))
    moves, splits = (None, None) if undated else draw(credits(period, roster, accounts))
    return Case(plan_yaml, period, roster, accounts, edit, adjustments, dated, moves, splits, version)
