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
                                                     help="Seconds for the solver (default the rules', 60).")
                          ] = None,
) -> None:
    """Propose who owns which account: best CSMs on the most important accounts, books balanced."""
    from xlcomp.assign import assign as run_assign

    started = time.perf_counter()
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("solving", total=1.0)

        def progress(done: float, name: str) -> None:
            bar.update(task, completed=done, description=f"solving {name}")

        result = run_assign(roster, accounts, rules, period=period, time_limit=time_limit, progress=progress)
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
