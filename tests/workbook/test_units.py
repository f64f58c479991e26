"""The writer's parts on their own: names, keys, formulas text, plan YAML, exact floats, bad runs."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcomp.demo.project import PRESETS, preset_text
from xlcomp.engine.run import RunResult
from xlcomp.errors import InputError
from xlcomp.load.plan import parse_plan
from xlcomp.model.plan import Curve, CurveMode, Plan, Tier
from xlcomp.ooxml.refs import column_ref, excel_id_key, quote_sheet, sumifs_key
from xlcomp.workbook import formulas as fx
from xlcomp.workbook import layout
from xlcomp.workbook.plan_yaml import plan_yaml
from xlcomp.workbook.sheets.tables import decimal_floats
from xlcomp.workbook.writer import check_run, write_workbook

from .conftest import Book, hand_run


@pytest.mark.parametrize(("text", "expected"), [
    ("CSM-0001 Ava Okafor", "CSM-0001 Ava Okafor"),
    ("a[b]c:d*e?f/g\\h", "a_b_c_d_e_f_g_h"),
    ("'quoted'", "quoted"),
    ("History", "History_"),
    ("", "Sheet_"),
    ("x" * 40, "x" * 31),
])
def test_safe_sheet_names(text: str, expected: str) -> None:
    assert layout.safe_sheet_name(text) == expected


def test_sheet_names_are_unique_ignoring_case_and_never_a_fixed_sheet() -> None:
    names = layout.csm_sheet_names([("Summary", ""), ("summary", ""), ("x" * 40, "a"), ("x" * 40, "b"),
                                    ("_xlcomp", "")])
    assert names == ["Summary (2)", "summary (3)", "x" * 31, "x" * 27 + " (2)", "_xlcomp (2)"]
    assert len({n.lower() for n in names}) == len(names)


def test_defined_names() -> None:
    assert layout.param_name("renewal", "weight") == "renewal_weight"
    assert layout.param_name("2nd_half", "cap_amount") == "_2nd_half_cap_amount"
    assert layout.tier_table_name("upsell") == "Tiers_upsell"
    assert layout.band_table_name(0) == "Bands_1"
    assert layout.input_name("company_attainment") == "input_company_attainment"
    with pytest.raises(ValueError, match="not a component parameter"):
        layout.param_name("renewal", "colour")


def test_references() -> None:
    assert quote_sheet("Plan") == "Plan"
    assert quote_sheet("CSM-1 Kofi O'Brien") == "'CSM-1 Kofi O''Brien'"
    assert quote_sheet("AB12") == "'AB12'"
    assert column_ref("Accounts", "renewed_arr") == "Accounts[renewed_arr]"
    assert column_ref("T", "a#b") == "T[a'#b]"
    assert sumifs_key("A*1?~") == "A~*1~?~~"
    assert sumifs_key("CSM-0001") == "CSM-0001"


def test_ids_excel_cannot_tell_apart() -> None:
    assert excel_id_key("csm-1") == excel_id_key("CSM-1")
    assert excel_id_key("0012") == excel_id_key("12") == excel_id_key("12.0")
    assert excel_id_key("12a") != excel_id_key("12")


def _curve(mode: CurveMode, *tiers: tuple[str | None, str]) -> Curve:
    return Curve(mode, tuple(Tier(Decimal(u) if u else None, Decimal(r)) for u, r in tiers))


def test_curve_formulas_read_the_tier_table() -> None:
    marginal = _curve(CurveMode.MARGINAL, ("1", "1"), (None, "2"))
    assert fx.curve_share(marginal, "$B$9", "Tiers_x") == (
        'SUMPRODUCT(Tiers_x[rate],($B$9>Tiers_x[from])*(($B$9<(Tiers_x[upto]+(Tiers_x[upto]="")*1E+100))*$B$9'
        '+($B$9>=(Tiers_x[upto]+(Tiers_x[upto]="")*1E+100))*(Tiers_x[upto]+(Tiers_x[upto]="")*1E+100)'
        '-Tiers_x[from]))')
    whole = dataclasses.replace(marginal, mode=CurveMode.WHOLE)
    assert fx.curve_share(whole, "A1", "T") == "A1*INDEX(T[rate],MATCH(A1,T[from],1))"
    steps = dataclasses.replace(marginal, mode=CurveMode.STEPS)
    assert fx.curve_share(steps, "A1", "T") == "INDEX(T[rate],MATCH(A1,T[from],1))"
    assert fx.commission_curve(whole, "A", "Q", "X", "T") == "MAX(0,A)*INDEX(T[rate],MATCH(X,T[from],1))"
    assert fx.multiplier_factor("B5", "Bands_1") == (
        '=IF(B5="",1,IF(B5<MIN(Bands_1[min]),1,INDEX(Bands_1[factor],MATCH(B5,Bands_1[min],1))))')
    assert fx.days_employed("B1", "B2") == (
        '=MAX(0,MIN(period_end,IF(B2="",period_end,B2))-MAX(period_start,IF(B1="",period_start,B1))+1)')


def test_metric_specs_agree_with_the_engine(books: dict[str, Book]) -> None:
    from xlcomp.engine.metrics import metric_value
    from xlcomp.model.metrics import METRICS
    from xlcomp.rules.metrics import metric_env

    for name in PRESETS:
        result = books[name].result
        plan = dataclasses.replace(result.plan, inputs={**result.plan.inputs, "team_attainment": Decimal("0.97")})
        for csm in result.csms:
            for metric in METRICS:
                spec = fx.metric_spec(metric, plan)
                engine = metric_value(metric, csm.sums, csm.csm, plan)
                if spec.num is None:
                    assert not engine.defined and spec.undefined_text == engine.reason, metric
                    continue
                env = metric_env(csm.sums, csm.csm, plan)
                num = spec.num.evaluate(env)
                den = spec.den.evaluate(env) if spec.den is not None else Decimal(1)
                if engine.defined:
                    assert num is not None and den is not None and num / den == engine.value, metric
                else:
                    assert num is None or den == 0, metric


@pytest.mark.parametrize("name", PRESETS)
def test_plan_yaml_rebuilds_the_plan(name: str) -> None:
    plan = parse_plan(preset_text(name))
    assert _pay_fields(parse_plan(plan_yaml(plan))) == _pay_fields(plan)


def _pay_fields(plan: Plan) -> Plan:
    components = tuple(dataclasses.replace(c, line=0) for c in plan.components)
    return dataclasses.replace(plan, source="", digest="", components=components)


numbers = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1000000"), places=4)


@settings(max_examples=60, deadline=None)
@given(weight=st.decimals(min_value=0, max_value=1, places=3), tiers=st.lists(numbers, min_size=1, max_size=4,
                                                                                 unique=True),
       rates=st.lists(st.decimals(min_value=0, max_value=10, places=5), min_size=4, max_size=4), cap=numbers)
def test_plan_yaml_round_trips_any_numbers(weight: Decimal, tiers: list[Decimal], rates: list[Decimal],
                                           cap: Decimal) -> None:
    uptos = sorted(tiers)
    tier_text = ", ".join(f"{{upto: {u}, rate: {r}}}" for u, r in zip(uptos, rates, strict=False))
    text = (f"id: p\nperiod: month\ncomponents:\n  - {{id: c, kind: bonus, metric: nps, weight: {weight}, "
            f"target: 40, cap: {cap}, curve: {{mode: whole, tiers: [{tier_text}, {{rate: {rates[-1]}}}]}}}}\n")
    plan = parse_plan(text)
    assert _pay_fields(parse_plan(plan_yaml(plan))) == _pay_fields(plan)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.decimals(min_value=Decimal("-99999999999999.9999"),
                                                 max_value=Decimal("99999999999999.9999"), places=4)),
                min_size=1, max_size=30), st.integers(min_value=0, max_value=5))
def test_decimal_columns_become_the_nearest_floats(values: list[Decimal | None], offset: int) -> None:
    array = pa.array([Decimal(0)] * offset + values, pa.decimal128(20, 4)).slice(offset)
    assert decimal_floats(array) == [None if v is None else float(v) for v in values]


def test_a_run_without_csms_or_with_ids_excel_confuses_is_refused(tmp_path: Path) -> None:
    hand = hand_run()
    empty = RunResult(hand.plan, hand.period, hand.roster, hand.book, ())
    with pytest.raises(InputError, match="the roster has no CSMs: a workbook needs at least one"):
        write_workbook(empty, tmp_path / "empty.xlsx")
    first = hand.csms[0]
    twin = first._replace(csm=dataclasses.replace(first.csm, csm_id="a-1", row=4))
    clash = dataclasses.replace(hand, csms=(*hand.csms, twin))
    problems = check_run(clash)
    assert [str(p) for p in problems] == [
        'Roster DataFrame:5 csm_id: "a-1" and "A-1" are the same csm_id to Excel (its lookups ignore case and '
        'read number-like ids as numbers): make them differ']
    assert not (tmp_path / "empty.xlsx").exists()


def test_a_plan_whose_names_excel_would_confuse_is_refused() -> None:
    component = ("{{id: {}, kind: bonus, metric: nps, weight: 0.5, target: 40, "
                 "curve: {{mode: steps, tiers: [{{rate: 1}}]}}}}")
    plan = parse_plan(f"id: p\nperiod: quarter\ncomponents:\n  - {component.format('weight')}\n"
                      f"  - {component.format('tiers')}\n", filename="clash.yaml")
    hand = hand_run()
    problems = check_run(dataclasses.replace(hand, plan=plan))
    assert [str(p) for p in problems] == [
        'clash.yaml components: the workbook would have both "Tiers_weight" and "tiers_weight", one name to Excel '
        '(names ignore case): rename a component']
