"""``xlcomp roi`` (ROI, scenarios, Monte Carlo) and ``xlcomp quotas`` (quotas from the book)."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from xlcomp.cli import app, console
from xlcomp.cli.core import AccountsOpt, PeriodOpt, PlanOpt, RosterOpt, compute
from xlcomp.errors import UsageError
from xlcomp.model.period import parse_period
from xlcomp.money import NumberParseError, fmt_amount, fmt_decimal, parse_number
from xlcomp.outputs import OutputSet, check_out_file, check_out_folder
from xlcomp.roi.metrics import ROI_METRICS, roi_metrics
from xlcomp.roi.report import montecarlo_csv, places, roi_csv, scenarios_csv
from xlcomp.roi.scenarios import run_scenarios


def parse_factors(text: str) -> list[Decimal]:
    """``"0.8,1,1.2"`` (or ``"80%,100%,120%"``) as scale factors; raises :class:`UsageError`."""
    factors = []
    for part in text.split(","):
        if not part.strip():
            continue
        try:
            factor = parse_number(part, percent=True)
        except NumberParseError:
            raise UsageError(f'--scenarios: "{part.strip()}" is not a number (use e.g. 0.8,1,1.2)') from None
        if factor < 0:
            raise UsageError(f"--scenarios: {part.strip()} is negative")
        factors.append(factor)
    if not factors:
        raise UsageError("--scenarios needs at least one factor, e.g. 0.8,1,1.2")
    return factors


def _show(metric: str, value: Decimal | None, currency: str) -> str:
    if value is None:
        return "undefined"
    digits = places(metric)
    return fmt_amount(value, currency) if digits == 2 else fmt_decimal(value, 4 if metric != "fte" else 2)


@app.command()
def roi(
    plan: PlanOpt,
    roster: RosterOpt,
    accounts: AccountsOpt,
    period: PeriodOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    scenarios: Annotated[str, typer.Option(help="Scale factors for every CSM's metrics, comma-separated.")
                         ] = "0.8,1,1.2",
    simulate: Annotated[int, typer.Option(min=0, help="Monte Carlo draws (0: none).")] = 0,
    seed: Annotated[int, typer.Option(help="Random seed of the Monte Carlo run.")] = 7,
    spread: Annotated[float, typer.Option(min=0, help="Spread of the performance factor (sd of its log for "
                                                      "lognormal).")] = 0.15,
    correlation: Annotated[float, typer.Option(min=0, max=1, help="Share of the spread the whole team shares.")
                           ] = 0.3,
    distribution: Annotated[str, typer.Option(help="lognormal or normal (bootstrap with --history).")
                            ] = "lognormal",
    history: Annotated[list[Path] | None, typer.Option(help="Past periods' payouts.csv files to bootstrap from "
                                                            "(repeat, or separate with commas).")] = None,
) -> None:
    """ROI of a plan on a period (roi.csv), scenarios (scenarios.csv) and an optional Monte Carlo forecast."""
    factors = parse_factors(scenarios)
    history_paths = [Path(p) for h in history or [] for p in str(h).split(",") if p.strip()]
    if history_paths and not simulate:
        raise UsageError("--history is for the Monte Carlo run: add --simulate N")
    if distribution not in ("lognormal", "normal") and not (distribution == "bootstrap" and history_paths):
        raise UsageError(f'--distribution "{distribution}" is not lognormal or normal (bootstrap needs --history)')
    check_out_folder(out)
    started = time.perf_counter()
    result = compute(plan, roster, accounts, period)
    metrics = roi_metrics(result)
    scenario_rows = run_scenarios(result, factors)
    simulation = None
    if simulate:
        from xlcomp.roi.montecarlo import compile_run, load_history
        from xlcomp.roi.montecarlo import simulate as run_simulation

        past = load_history(history_paths) if history_paths else None
        simulation = run_simulation(compile_run(result), simulate, seed, spread=spread, correlation=correlation,
                                    distribution=distribution, history=past)
    with OutputSet() as outputs:
        outputs.add(out / "roi.csv", roi_csv(metrics))
        outputs.add(out / "scenarios.csv", scenarios_csv(scenario_rows))
        if simulation is not None:
            from xlcomp.roi.plots import cost_distribution_png, curve_png

            outputs.add(out / "montecarlo.csv", montecarlo_csv(simulation))
            outputs.add(out / "cost-distribution.png",
                        cost_distribution_png(simulation, result.plan.currency,
                                              f"{result.plan.name}, {result.period.label}"))
            for component in result.plan.components:
                outputs.add(out / f"curve-{component.id}.png", curve_png(result, component))
        written = outputs.commit()
    currency = result.plan.currency
    from xlcomp.workbook.sheets.roi import BENCHMARKS  # the ROI sheet's traffic light, the same bounds

    table = Table(title=f"ROI of {result.plan.id}, {result.period.label}")
    table.add_column("metric", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("benchmark")
    table.add_column("status", no_wrap=True)
    for metric in ROI_METRICS:
        value = metrics[metric.name]
        benchmark = BENCHMARKS.get(metric.name)
        status = benchmark.status(value) if benchmark is not None else ""
        table.add_row(metric.name, _show(metric.name, value, currency), metric.benchmark, status)
    console.print(table)
    table = Table("scenario", "payout total", "CS team cost", "magic number", "cost per retained $",
                  title="Scenarios (every CSM's metrics scaled)")
    for row in scenario_rows:
        table.add_row(f"{row.scenario * 100:.0f}%", fmt_amount(row.payout_total, currency),
                      fmt_amount(row.cs_team_cost, currency), _show("cs_magic_number", row.cs_magic_number, ""),
                      _show("cost_per_retained_dollar", row.cost_per_retained_dollar, ""))
    console.print(table)
    if simulation is not None:
        cost = simulation.percentiles("cs_team_cost")
        magic = simulation.percentiles("cs_magic_number")
        how = (f"bootstrap from {len(simulation.history)} past period(s)" if simulation.history else
               f"{simulation.distribution}, spread {simulation.spread:g}, correlation {simulation.correlation:g}")
        console.print(f"Monte Carlo ({how}): {simulation.draws:,} draws x {simulation.csms:,} CSMs in "
                      f"{simulation.seconds:.2f}s; CS team cost P10/P50/P90 "
                      + " / ".join(fmt_amount(Decimal(str(cost[p])), currency) if cost[p] is not None else "-"
                                   for p in (10, 50, 90))
                      + "; magic number " + " / ".join(f"{magic[p]:.2f}" if magic[p] is not None else "-"
                                                       for p in (10, 50, 90)), highlight=False)
    console.print(f"[green]✓[/green] {len(written)} files in {time.perf_counter() - started:.1f}s", highlight=False)
    for path in written:
        console.print(f"  {path}", highlight=False)


@app.command()
def quotas(
    roster: RosterOpt,
    accounts: AccountsOpt,
    period: Annotated[str | None, typer.Option(help="The plan's pay period (2027-Q1 for a quarterly plan, 2027 for "
                                                    "a yearly one): sizes expansion quotas for it and prorates them "
                                                    "for hires and leavers. Required.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="The roster with quota columns (a new .csv file).")] = Path(
        "quotas.csv"),
    min_quota: Annotated[float, typer.Option(min=0, help="Smallest quota proposed.")] = 1000,
) -> None:
    """Propose renewal, upsell and cross-sell quotas from each CSM's book; writes the roster with them."""
    from xlcomp.cli.problems import input_hints
    from xlcomp.money import to_decimal
    from xlcomp.roi.quotas import load_quota_inputs, propose_quotas, quotas_csv

    if period is None:
        raise UsageError("quotas are for a pay period: give --period as the plan pays (2027-Q1 for a quarterly plan, "
                         "2027-03 monthly, 2027 yearly); annual quotas in a quarterly plan would be 4x too high")
    the_period = parse_period(period)
    if out.suffix.lower() != ".csv":
        raise UsageError(f'--out "{out}": quotas writes the roster as CSV; name a .csv file (Excel opens it)')
    check_out_file(out)
    for option, source in (("--roster", roster), ("--accounts", accounts)):
        if out.exists() and source.exists() and out.resolve() == source.resolve():
            raise UsageError(f'--out "{out}" is the {option} input: quotas never writes over its inputs; name a new '
                             "file")
    with input_hints(roster, accounts):
        raw, roster_model, book, potentials = load_quota_inputs(roster, accounts)
    rows = propose_quotas(roster_model, book, potentials, the_period, min_quota=to_decimal(min_quota))
    with OutputSet() as outputs:
        outputs.add(out, quotas_csv(raw, roster_model, rows))
        outputs.commit()
    wide = console.width >= 110  # the working columns (effective accounts, coverage) when there is room
    table = Table(title=f"Proposed quotas for {the_period.label}", box=box.SIMPLE_HEAD, pad_edge=False)
    headers = ["csm_id", "segment", "accounts", "book ARR"] + (["effective accts", "coverage"] if wide else []) + [
        "renewal", "upsell", "cross-sell"]
    for header in headers:
        table.add_column(header, no_wrap=True, justify="left" if header in ("csm_id", "segment") else "right")
    for row in rows[:25]:
        cells = [row.csm_id, row.segment, f"{row.accounts:,}", fmt_amount(row.book_arr, places=0)]
        if wide:
            cells += [fmt_decimal(row.effective_accounts, 1), fmt_decimal(row.coverage, 2)]
        cells += [fmt_amount(row.quota_renewal, places=0), fmt_amount(row.quota_upsell, places=0),
                  fmt_amount(row.quota_cross_sell, places=0)]
        table.add_row(*cells)
    if len(rows) > 25:
        table.add_row(f"… {len(rows) - 25} more", *[""] * (len(headers) - 1))
    console.print(table)
    console.print(f"[green]✓[/green] {out}: the roster with quota_renewal, quota_upsell and quota_cross_sell "
                  f"for {len(rows):,} CSMs", highlight=False)
