"""``xlcomp assign``: book assignment (SPEC section 11)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from xlcomp.cli import app, console
from xlcomp.cli.core import AccountsOpt, RosterOpt
from xlcomp.money import fmt_amount

WRITE_S_PER_ACCOUNT = 1e-4  # measured: 7 s of CPU to build and write the files of 100,000 accounts


def _writing_seconds(accounts: Path) -> float:
    """What writing the outputs will take, kept out of the solver's time: about one second per 10,000
    accounts, estimated from the size of the accounts file (about 110 bytes an account)."""
    try:
        size = accounts.stat().st_size
    except OSError:
        return 0.0
    return 0.5 + WRITE_S_PER_ACCOUNT * size / 110


@app.command()
def assign(
    roster: RosterOpt,
    accounts: AccountsOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("assignment"),
    rules: Annotated[Path | None, typer.Option(help="Rules YAML: tolerance, move_cost, weights, neighbours, "
                                                    "pinned, period (docs/assign.md).")] = None,
    period: Annotated[str | None, typer.Option(help="Period of the new books (CSMs leaving by its end get no "
                                                    "accounts); default the rules' or the next quarter.")] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", min=0.5,
                                                     help="Seconds for the whole command: reading, solving and "
                                                          "writing (default the rules', 60).")] = None,
    apply: Annotated[Path | None, typer.Option("--apply", help="An assignment finance edited (assignment.xlsx or "
                                                               "assignment.csv, to_csm changed): check it and write "
                                                               "its balance, quotas and targets instead of "
                                                               "solving.")] = None,
) -> None:
    """Propose who owns which account: best CSMs on the most important accounts, books balanced."""
    from xlcomp.assign import apply_assignment
    from xlcomp.assign import assign as run_assign

    started = time.perf_counter()
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("solving", total=1.0)

        def progress(done: float, name: str) -> None:
            bar.update(task, completed=done, description=f"solving {name}")

        if apply is not None:
            bar.update(task, description=f"reading {apply.name}")
            result = apply_assignment(roster, accounts, apply, rules, period=period)
        else:
            result = run_assign(roster, accounts, rules, period=period, time_limit=time_limit, progress=progress,
                                reserve=_writing_seconds(accounts))
        bar.update(task, description="writing")
        written = result.write(out)
    table = Table("csm_id", "segment", "ARR before", "ARR after", "accounts", "risk", "fit",
                  title=f"Books before → after ({result.inputs.period.label})")
    for row in result.balance[:40]:
        table.add_row(row.csm_id + (f" (leaves {row.leaves})" if row.leaves else ""), row.segment,
                      fmt_amount(row.arr_before, "", 0), fmt_amount(row.arr_after, "", 0),
                      f"{row.accounts_before} → {row.accounts_after}",
                      f"{row.risk_before or '-'} → {row.risk_after or '-'}",
                      f"{row.fit_before:.1f} → {row.fit_after:.1f}")
    console.print(table)
    if len(result.balance) > 40:
        console.print(f"… and {len(result.balance) - 40} more CSMs in balance.csv")
    console.print(f"{result.moves} of {len(result.rows)} accounts move; {result.status}", highlight=False)
    console.print(f"[green]✓[/green] {len(written)} files in {time.perf_counter() - started:.1f}s", highlight=False)
    for path in written:
        console.print(f"  {path}", highlight=False)
