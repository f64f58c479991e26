"""``xlcomp recalc FILES… --out DIR``: batch recalculation of uploaded workbooks."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from xlcomp.cli import app, console, err_console
from xlcomp.errors import UsageError
from xlcomp.load.plan import load_plan
from xlcomp.model.period import parse_period
from xlcomp.recalc.batch import BatchResult, Upload, run_batch
from xlcomp.recalc.intake import DEFAULT_LIMITS, Limits
from xlcomp.recalc.job import RecalcOptions
from xlcomp.recalc.outcome import (
    ADJUSTMENTS_HINT,
    STATUS_INPUTS_CHANGED,
    STATUS_OK,
    STATUS_OVERRIDDEN,
    STATUS_REJECTED,
    STATUSES,
    reference_of,
    total_changed,
)

_STYLE = {STATUS_OK: "green", STATUS_INPUTS_CHANGED: "cyan", STATUS_OVERRIDDEN: "yellow", STATUS_REJECTED: "red"}


@app.command()
def recalc(
    files: Annotated[list[Path], typer.Argument(help="Uploaded workbooks (.xlsx, .xlsm), or folders of them.",
                                                show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (never one that would overwrite an "
                                                          "upload).")],
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes (default: the machine's cores).")
                       ] = None,
    dask: Annotated[str | None, typer.Option("--dask", metavar="ADDRESS",
                                             help="Run on a Dask cluster: the scheduler's address, "
                                                  "e.g. tcp://127.0.0.1:8786.")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Finish a batch that was stopped: skip the uploads "
                                                          "already done.")] = False,
    plan: Annotated[Path | None, typer.Option("--plan", "-p", help="Plan YAML for workbooks that carry none.")
                    ] = None,
    period: Annotated[str | None, typer.Option(help="Period (2027-Q1 …) for workbooks that name none.")] = None,
    max_size: Annotated[float, typer.Option(help="Largest upload accepted, in MB.", min=0.001)
                        ] = DEFAULT_LIMITS.max_bytes / (1024 * 1024),
    decimal_comma: Annotated[bool, typer.Option("--decimal-comma", help="Read numbers typed as text with a "
                                                                         "decimal comma (1.234,50).")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> int:
    """Recalculate uploaded workbooks: regenerated workbooks, report.json, report.xlsx, payouts.csv.

    Exit code 1 when any upload was rejected (the others are still done).
    """
    if dask and workers is not None:
        raise UsageError("--workers is for the local pool; with --dask the cluster's workers do the work")
    plan_text = None
    plan_name = "plan.yaml"
    if plan is not None:
        plan_text = _plan_text(plan)
        plan_name = plan.name
    if period is not None:
        parse_period(period)
    limits = Limits(max_bytes=int(max_size * 1024 * 1024))
    options = RecalcOptions(limits=limits, plan_text=plan_text, plan_name=plan_name, period=period,
                            decimal_comma=decimal_comma)
    result = _run(files, out, options, workers, dask, resume, show=not quiet)
    _summary(result, out)
    return 1 if result.rejected else 0


def _plan_text(path: Path) -> str:
    load_plan(path)  # every problem of the plan, before any file is read
    return path.read_text(encoding="utf-8-sig")


def _run(files: list[Path], out: Path, options: RecalcOptions, workers: int | None, dask: str | None,
         resume: bool, *, show: bool) -> BatchResult:
    where = f"on {dask}" if dask else f"with {workers or os.cpu_count() or 1} workers"
    progress = Progress(SpinnerColumn(), TextColumn("[bold]recalc[/bold] {task.description}"), BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(), console=err_console, transient=True,
                        disable=not show)
    with progress:
        task = progress.add_task(where, total=None)

        def started(todo: int, skipped: int) -> None:
            progress.update(task, total=todo)
            if skipped:
                err_console.print(f"resuming: {skipped} upload{'s' if skipped != 1 else ''} already done",
                                  highlight=False)

        def finished(upload: Upload, entry: dict[str, Any]) -> None:
            progress.update(task, advance=1, description=escape(f"{where}: {Path(upload.file).name} {entry['status']}"))

        return run_batch(files, out, options, workers=workers, dask_address=dask, resume=resume,
                         progress=finished, on_start=started)


def _summary(result: BatchResult, out: Path) -> None:
    flagged = [e for e in result.entries if e["status"] != STATUS_OK]
    if flagged:
        table = Table("file", "status", "first finding", title="uploads that need a look", title_justify="left")
        for entry in flagged[:50]:
            status = f"[{_STYLE[entry['status']]}]{entry['status']}[/]"
            table.add_row(escape(str(entry["file"])), status, escape(_first(entry)))
        if len(flagged) > 50:
            table.add_row("…", "", f"and {len(flagged) - 50} more: see report.xlsx")
        console.print(table)
    _totals(result)
    discarded = sum(len(e.get("overrides") or []) for e in result.entries)
    if discarded:
        console.print(f"[yellow]![/yellow] {discarded} value{'s' if discarded != 1 else ''} typed over or changed in "
                      "formula cells " + ("were" if discarded != 1 else "was") + " not paid: xlcomp pays what the "
                      f"inputs give; {ADJUSTMENTS_HINT} (report.xlsx, Findings, lists each cell)",
                      highlight=False, soft_wrap=True)
    counts = ", ".join(f"[{_STYLE[s]}]{result.count(s)} {s}[/]" for s in STATUSES)
    resumed = f" ({result.resumed} from an earlier run)" if result.resumed else ""
    mark = "[red]✗[/red]" if result.rejected else "[green]✓[/green]"
    console.print(f"{mark} {len(result.entries)} uploads{resumed}: {counts}", highlight=False)
    console.print(escape(f"  reports: {out / 'report.json'}, {out / 'report.xlsx'}, {out / 'payouts.csv'}"),
                  highlight=False, soft_wrap=True)


def _totals(result: BatchResult) -> None:
    """The CSMs whose total changed: issued, in the workbook, recomputed (the first 30)."""
    rows = [(entry, row) for entry in result.entries for row in entry.get("totals") or []
            if total_changed(row, reference_of(entry["totals"]))
            or (row["workbook"] is not None and row["workbook"] != row["engine"])]
    if not rows:
        return
    table = Table("file", "csm_id", "issued", "in the workbook", "paid (recomputed)", title="totals that changed",
                  title_justify="left")
    for entry, row in rows[:30]:
        table.add_row(escape(Path(str(entry["file"])).name), escape(row["csm_id"] or ""),
                      *(_amount(row[key]) for key in ("issued", "workbook", "engine")))
    if len(rows) > 30:
        table.add_row("…", "", "", "", f"and {len(rows) - 30} more: see report.xlsx")
    console.print(table)


def _amount(value: str | None) -> str:
    return "—" if value is None else f"{float(value):,.2f}"


def _first(entry: dict[str, Any]) -> str:
    for key in ("problems", "overrides", "differences"):
        items = entry.get(key) or []
        if items:
            item = items[0]
            where = f"{item['where']}: " if item.get("where") else ""
            if key == "problems":
                text = item["message"]
            elif key == "overrides":
                text = item.get("message") or f"formula {item['formula']} replaced by {item['found'] or '(blank)'}"
            else:
                text = f"cached {item['cached'] or '(blank)'}, engine {item['engine']}"
            more = len(items) - 1
            return f"{where}{text}" + (f" (+{more} more)" if more else "")
    return ""
