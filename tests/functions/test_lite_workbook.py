"""``xlcomp lite --workbook F.xlsx``: main.py also holds the task-pane scripts for that workbook, its plan and
CSM tabs fixed as Python source; still the standard library only (tests/lite runs the scripts in Pyodide)."""

from __future__ import annotations

import ast
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.recalc.builders import plain_workbook, recalc_file
from xlcomp.cli import main as cli_main
from xlcomp.cli.lite import read_lite_workbook
from xlcomp.functions.bundle import BUNDLE_PREFIX
from xlcomp.functions.lite import lite_main, source_of
from xlcomp.functions.lite_check import formula_key
from xlcomp.model.period import parse_period


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lite-workbook")
    fresh = recalc_file(plain_workbook(folder / "inputs.xlsx"))
    assert fresh.workbook is not None
    path = folder / "fresh.xlsx"
    path.write_bytes(fresh.workbook)
    return path


def test_the_workbook_as_the_scripts_know_it(workbook: Path) -> None:
    facts = read_lite_workbook(workbook)
    assert facts.plan.id == "hand-worked" and facts.period.label == "2027-Q1"
    assert [csm_id for csm_id, _ in facts.tabs] == ["CSM-A", "CSM-B"]
    assert facts.issued == {"CSM-A": "8313.05", "CSM-B": "0.00"}  # 6,913.05 + 1,400.00; CSM-B nothing
    assert facts.roster_columns == {"quota_upsell": "upsell quota"}
    formulas = dict(facts.tab.formulas)
    # the total is the sum of the component payouts and the adjustments line, cell for cell
    assert formulas[facts.tab.total] == "=" + "+".join(
        f"${c[0]}${c[1:]}" for c in [cell for _, cell in facts.tab.payouts] + [facts.tab.adjustments])
    assert [component for component, _ in facts.tab.payouts] == ["renewal", "upsell"]


def test_the_workbook_is_rebuilt_from_its_source(workbook: Path) -> None:
    facts = read_lite_workbook(workbook)
    assert eval(source_of(facts), _namespace()) == facts
    assert source_of(parse_period("2027-Q1")) == ("Period(kind=PeriodKind.QUARTER, label='2027-Q1', "
                                                   "start=date(2027, 1, 1), end=date(2027, 3, 31))")


def test_main_with_scripts_imports_only_the_standard_library_and_xlwings(workbook: Path) -> None:
    text = lite_main(read_lite_workbook(workbook))
    tree = ast.parse(text)
    imported = {node.module for node in tree.body if isinstance(node, ast.ImportFrom)} | {
        alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names}
    assert imported == {"sys", "types", "xlwings"}
    for name in ("xlcomp_recompute", "xlcomp_check", "xlcomp_restore"):
        assert f"@script\ndef {name}(book: Book):" in text
    assert "import pyarrow" not in text and "import numpy" not in text and BUNDLE_PREFIX in text


def test_cli_with_a_workbook(workbook: Path, tmp_path: Path) -> None:
    assert cli_main(["lite", "--out", str(tmp_path / "lite"), "--workbook", str(workbook)]) == 0
    assert "def xlcomp_check(book: Book):" in (tmp_path / "lite" / "main.py").read_text()


def test_cli_refuses_a_missing_workbook_and_a_plain_one(tmp_path: Path) -> None:
    assert cli_main(["lite", "--out", str(tmp_path / "lite"), "--workbook", str(tmp_path / "nope.xlsx")]) == 2
    plain = plain_workbook(tmp_path / "plain.xlsx")  # inputs only: no CSM tabs to recompute or check
    assert cli_main(["lite", "--out", str(tmp_path / "lite"), "--workbook", str(plain)]) == 2
    assert not (tmp_path / "lite").exists()


def _namespace() -> dict[str, object]:
    from datetime import date
    from types import MappingProxyType

    namespace: dict[str, object] = {"Decimal": Decimal, "date": date, "MappingProxyType": MappingProxyType}
    for module in ("xlcomp.model.plan", "xlcomp.model.period", "xlcomp.functions.lite_book"):
        namespace.update(vars(sys.modules[module]))
    return namespace


def test_every_demo_plan_is_rebuilt_from_its_source() -> None:
    from xlcomp.demo.project import PRESETS, preset_text
    from xlcomp.load.plan import parse_plan

    for preset in PRESETS:
        plan = parse_plan(preset_text(preset))
        assert eval(source_of(plan), _namespace()) == plan, preset


_OUTSIDE = st.text(alphabet="ABCDEFXYZ()$,+-*/<>=!0123456789.: ", min_size=0, max_size=20)
_INSIDE = st.text(alphabet='ab CD$ "', min_size=0, max_size=8).map(lambda t: '"' + t.replace('"', '""') + '"')


@given(parts=st.lists(st.tuples(_OUTSIDE, _INSIDE), min_size=1, max_size=4))
def test_formula_key_ignores_case_spaces_and_dollars_outside_text_only(parts: list[tuple[str, str]]) -> None:
    formula = "=" + "".join(outside + inside for outside, inside in parts)
    respelled = "=" + "".join(outside.lower().replace("$", "").replace(",", " , ") + inside
                              for outside, inside in parts)
    assert formula_key(formula) == formula_key(respelled)
    # text is compared as it is: one character changed inside a string is another formula
    outside, inside = parts[0]
    changed = "=" + outside + inside[:-1] + "x" + inside[-1:] + "".join(o + i for o, i in parts[1:])
    assert formula_key(formula) != formula_key(changed)


def test_formula_key_by_hand() -> None:
    assert formula_key('=IF($D$28="",FALSE(),$B$28>=x)') == formula_key('=IF(D28="",FALSE,B28>=X)')
    assert formula_key("=_xlfn.FORMULATEXT(A1)") == formula_key("=FORMULATEXT(A1)")
    assert formula_key('=IF(A1="a b",1,2)') != formula_key('=IF(A1="A B",1,2)')
    assert formula_key("=ROUND($B$57*$B$58,2)") != formula_key("=ROUND($B$57*$B$58*2,2)")


def test_cli_refuses_a_workbook_with_roster_changes(tmp_path: Path) -> None:
    from tests.engine.test_dating import _changes, _run
    from xlcomp.workbook.writer import write_workbook

    dated = write_workbook(_run(_changes(("A", "target_variable", 52000, "2027-02-15"))), tmp_path / "dated.xlsx")
    assert cli_main(["lite", "--out", str(tmp_path / "lite"), "--workbook", str(dated)]) == 2
    assert not (tmp_path / "lite").exists()


def test_a_deleted_tab_is_skipped_with_a_warning(workbook: Path, tmp_path: Path) -> None:
    """CSM-B's tab deleted in the open workbook: the scripts (here in CPython, on the stand-in book) leave it out
    and say so; the engine still pays CSM-B from the tables (0.00)."""
    from tests.lite.book_model import book_model, unprotected
    from tests.lite.harness import run_scripts
    from xlcomp.functions.lite import write_lite

    write_lite(tmp_path / "lite", read_lite_workbook(workbook))
    model = unprotected(book_model(workbook))
    del model["sheets"]["CSM-B Ben Lindqvist"]
    ran = run_scripts(tmp_path / "lite", {"books": [{"model": model, "scripts": ["xlcomp_check", "xlcomp_recompute"]}]},
                      tmp_path, pyodide=False)
    [book] = ran["books"]
    report = book["reports"][0]
    assert report["warnings"][0]["message"].startswith('the sheet "CSM-B Ben Lindqvist" is not in the workbook')
    assert [t["engine"] for t in report["totals"]] == ["8313.05", "0.00"]
    assert {a[1] for a in book["actions"] if a[0] == "value"} == {"CSM-A Ava Okafor", "xlcomp check",
                                                                  "xlcomp formulas"}
    assert book["errors"] == [None, None]


def test_the_bundle_follows_a_module_imported_by_name() -> None:
    """engine.payouts reads ``from xlcomp.rules import payout as rules``: the module comes whole, its import is
    regenerated into the bundle, and it is installed before the module that imports it."""
    from xlcomp.functions.bundle import bundle_modules

    bundle = bundle_modules(["xlcomp.functions.lite_engine"])
    names = list(bundle.modules)
    payouts = bundle.modules["xlcomp.engine.payouts"]
    assert f"from {BUNDLE_PREFIX}.xlcomp.rules import payout as rules" in payouts.source
    assert names.index("xlcomp.rules.payout") < names.index("xlcomp.engine.payouts")
    assert "def bonus_payout(" in bundle.modules["xlcomp.rules.payout"].source
    assert not any(name.startswith(("xlcomp.load.roster", "xlcomp.recalc")) for name in names)


def test_the_stand_in_wants_the_book_annotated_as_xlwings_lite_does() -> None:
    """xlwings Lite hands the workbook to the parameter annotated ``xlwings.Book``; a script without one fails."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "xlwings_standin", Path(__file__).parents[1] / "lite" / "xlwings_standin" / "xlwings" / "__init__.py")
    assert spec is not None and spec.loader is not None
    standin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(standin)

    def annotated(book: object) -> None:
        return None

    def bare(book: object) -> None:
        return None

    annotated.__annotations__ = {"book": standin.Book, "return": None}  # what `book: xw.Book` makes
    bare.__annotations__ = {}

    assert standin.script(annotated) is annotated
    with pytest.raises(Exception, match=r"No xlwings\.Book found"):
        standin.script(bare)


def test_cli_refuses_a_workbook_with_credit_moves_or_splits(tmp_path: Path) -> None:
    from tests.engine.test_credit import _run, moves_csv, splits_csv
    from xlcomp.workbook.writer import write_workbook

    result = _run(moves_csv(("a1", "B", "2027-01-31")), splits_csv(("s1", "A", 0.6), ("s1", "B", 0.4)))
    credited = write_workbook(result, tmp_path / "credit.xlsx")
    assert cli_main(["lite", "--out", str(tmp_path / "lite"), "--workbook", str(credited)]) == 2
    assert not (tmp_path / "lite").exists()


def test_cli_refuses_a_workbook_whose_plan_ramps_or_has_a_spif(tmp_path: Path) -> None:
    from tests.workbook.conftest import ramp_spif_run
    from xlcomp.workbook.writer import write_workbook

    ramped = write_workbook(ramp_spif_run(), tmp_path / "ramp_spif.xlsx")
    assert cli_main(["lite", "--out", str(tmp_path / "lite"), "--workbook", str(ramped)]) == 2
    assert not (tmp_path / "lite").exists()
