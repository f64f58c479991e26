"""The demo project: a plan for every archetype plus a corporate MBO and a professional-services
utilization plan, a 40-CSM, 2,000-account sample book, every plan's results and workbook, and a
proposed assignment of the book for the next quarter (``assignment/``, docs/assign.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from xlcomp.assign.inputs import default_period
from xlcomp.demo.sample import sample_book, with_assignment_columns
from xlcomp.engine.run import RunResult, run
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan import load_plan
from xlcomp.model.period import Period, parse_period
from xlcomp.outputs import OutputSet, payouts_csv, summary_csv
from xlcomp.workbook.writer import stage_workbook

if TYPE_CHECKING:
    import pandas as pd

    from xlcomp.assign.api import AssignmentResult

__all__ = ["ASSIGNMENT_FOLDER", "PRESETS", "DemoRun", "preset_text", "write_demo", "write_demo_assignment"]

PRESETS = ("adoption", "adoption_renewal", "full_service", "retention_referral", "corporate_mbo",
           "ps_utilization")
DEMO_CSMS, DEMO_ACCOUNTS, DEMO_SEED = 40, 2000, 7
ASSIGNMENT_FOLDER = "assignment"
ASSIGNMENT_TIME_LIMIT_S = 30.0


@dataclass(frozen=True)
class DemoRun:
    """One plan of the demo: its id, CSM count, total and folder."""

    plan_id: str
    csms: int
    total: Decimal
    currency: str
    folder: Path
    result: RunResult


def preset_text(name: str) -> str:
    """The YAML of a preset plan."""
    return resources.files("xlcomp.presets").joinpath(f"{name}.yaml").read_text(encoding="utf-8")


Progress = Callable[[str, int, int, str], None]


def _quiet(step: str, done: int, total: int, detail: str) -> None:
    return None


def write_demo(out: Path, period: str = "2027-Q1", *, statements: bool = True, assignment: bool = True,
               progress: Progress | None = None) -> list[DemoRun]:
    """Write the demo project under ``out`` and run every plan on it (with statements unless told not to),
    then propose the next quarter's books in ``out/assignment`` (unless told not to).

    ``progress(step, done, total, detail)`` is told how far each step is (the sample book, the plans
    with their workbooks, the statements), ``detail`` naming what is being done.
    """
    report = progress or _quiet
    the_period = parse_period(period)
    report("the sample book", 0, 1, f"{DEMO_CSMS} CSMs, {DEMO_ACCOUNTS:,} accounts")
    roster_df, accounts_df = sample_book(DEMO_CSMS, DEMO_ACCOUNTS, DEMO_SEED, the_period)
    with OutputSet() as outputs:
        for name in PRESETS:
            outputs.add(out / "plans" / f"{name}.yaml", preset_text(name))
        outputs.add(out / "roster.csv", lambda p: roster_df.to_csv(p, index=False))
        outputs.add(out / "accounts.csv", lambda p: accounts_df.to_csv(p, index=False))
        outputs.commit()
    report("the sample book", 1, 1, "")
    runs = []
    for done, name in enumerate(PRESETS):
        report("plans and workbooks", done, len(PRESETS), name)
        plan = load_plan(out / "plans" / f"{name}.yaml")
        if plan.period is not the_period.kind:
            continue
        roster, book = load_inputs(plan, out / "roster.csv", out / "accounts.csv")
        result = run(plan, roster, book, the_period)
        folder = out / plan.id
        with OutputSet() as outputs:
            outputs.add(folder / "payouts.csv", payouts_csv(result))
            outputs.add(folder / "summary.csv", summary_csv(result))
            stage_workbook(outputs, result, folder)
            outputs.commit()
        runs.append(DemoRun(plan.id, len(result.csms), result.total, plan.currency, folder, result))
    report("plans and workbooks", len(PRESETS), len(PRESETS), "")
    if statements:
        from xlcomp.statements import write_statements_many  # one statement per CSM and plan, HTML and PDF

        write_statements_many(((r.result, r.folder / "statements") for r in runs),
                              progress=lambda done, total: report("statements (HTML and PDF)", done, total, ""))
    if assignment:
        write_demo_assignment(out / ASSIGNMENT_FOLDER, roster_df, accounts_df, the_period, report)
    return runs


def write_demo_assignment(folder: Path, roster_df: pd.DataFrame, accounts_df: pd.DataFrame, period: Period,
                          progress: Progress | None = None) -> AssignmentResult:
    """Propose the demo book's owners for the quarter after ``period`` (the roster with skills, the book with
    white space: :func:`~xlcomp.demo.sample.with_assignment_columns`) and write it into ``folder``:
    assignment.csv, balance.csv, targets.csv, roster-quotas.csv, solver.txt and assignment.xlsx."""
    from xlcomp.assign import assign

    report = progress or _quiet
    after = default_period(period.end)
    report("book assignment", 0, 1, f"the books for {after.label}")
    roster_skills, accounts_space = with_assignment_columns(roster_df, accounts_df, DEMO_SEED)
    result = assign(roster_skills, accounts_space, period=after, time_limit=ASSIGNMENT_TIME_LIMIT_S)
    result.write(folder)
    report("book assignment", 1, 1, "")
    return result
