"""Statements: one HTML and one PDF per CSM, each carrying the inputs that reproduce it.

The HTML embeds a JSON record (``<script type="application/json" id="xlcomp-statement">``) and the
PDF attaches the same record as ``xlcomp-statement.json``: the plan's YAML, the CSM's roster row
and accounts, their hashes, the issue date and every figure shown, so ``xlcomp verify`` can recompute
the statement and say whether it still holds.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlcomp._version import __version__
from xlcomp.engine.run import CsmResult, RunResult
from xlcomp.errors import UsageError
from xlcomp.load.plan import parse_plan
from xlcomp.model.ledger_lines import LedgerPanel
from xlcomp.money import exactly, fmt_decimal
from xlcomp.outputs import OutputSet
from xlcomp.statements.credit import credit_record_rows
from xlcomp.statements.ledger_view import panel_view
from xlcomp.statements.record import ACCOUNT_COLUMNS, InputRecord, _text, book_rows, input_record
from xlcomp.statements.render import PdfPrinter, default_workers, json_for_script, render_template
from xlcomp.statements.view import StatementView, day_text, statement_view

__all__ = [
    "ATTACHMENT",
    "FORMAT",
    "DoneCounter",
    "Statement",
    "build_statements",
    "plan_text_of",
    "result_record",
    "safe_name",
    "write_statements",
    "write_statements_many",
]

FORMAT = "xlcomp-statement/1"
ATTACHMENT = "xlcomp-statement.json"


@dataclass(frozen=True)
class Statement:
    """One CSM's statement: its file stem, the HTML, the embedded record and the view it shows."""

    csm_id: str
    stem: str
    html: str
    record: dict[str, Any]
    view: StatementView
    total: Decimal

    @property
    def record_bytes(self) -> bytes:
        """The record as UTF-8 JSON, as attached to the PDF."""
        return json.dumps(self.record, ensure_ascii=False, indent=1).encode("utf-8")


def safe_name(text: str) -> str:
    """A file-name-safe form of an id: letters, digits, ``.``, ``_`` and ``-`` kept, the rest ``_``."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "csm"
    return cleaned[:80]


def plan_text_of(run: RunResult, plan_text: str | None = None) -> str:
    """The YAML text of the run's plan, checked against the plan's hash."""
    plan = run.plan
    if plan_text is None:
        if not plan.source or not Path(plan.source).is_file():
            raise UsageError(f"statements embed the plan's YAML: the plan {plan.id} has no file to read it from; "
                             "pass plan_text")
        plan_text = Path(plan.source).read_text(encoding="utf-8-sig")
    if parse_plan(plan_text, filename=Path(plan.source or "plan.yaml").name).digest != plan.digest:
        raise UsageError(f"the plan file {plan.source or 'text'} changed while the statements were made: "
                         "run again")
    return plan_text


def result_record(csm_result: CsmResult) -> dict[str, Any]:
    """The engine's exact figures for one CSM, as text (the statement's ``result``)."""
    def text(value: Decimal | None) -> str:
        return fmt_decimal(value)

    components = []
    for c in csm_result.components:
        components.append({
            "id": c.component.id, "kind": c.component.kind.value, "metric": c.component.metric,
            "actual": text(c.actual), "target": text(c.target), "attainment": text(c.attainment),
            "share": text(c.share), "target_incentive": text(c.target_incentive),
            "multiplier": text(c.multiplier), "value": text(c.value), "payout": fmt_decimal(c.payout, 2),
            "note": c.note,
        })
    return {"days": csm_result.days, "period_days": csm_result.period_days, "components": components,
            "total": fmt_decimal(csm_result.total, 2)}


def _record(run: RunResult, csm_result: CsmResult, inputs: InputRecord, plan_text: str, issued: date,
            view: StatementView, stem: str) -> dict[str, Any]:
    plan = run.plan
    return {
        "format": FORMAT,
        "xlcomp_version": __version__,
        "issued": issued.isoformat(),
        "file": stem,
        "period": run.period.label,
        "csm_id": csm_result.csm.csm_id,
        "plan": {"id": plan.id, "file": Path(plan.source or "plan.yaml").name, "hash": plan.digest,
                 "yaml": plan_text},
        "inputs": {"hash": inputs.digest, **inputs.canonical()},
        "fields": view.fields,
        "result": result_record(csm_result),
    }


def render_statement(run: RunResult, csm_result: CsmResult, inputs: InputRecord, plan_text: str, issued: date,
                     stem: str, ledger: LedgerPanel | None = None) -> Statement:
    """Build one statement (its view, record and HTML); ``ledger``: a closed period's panel for this CSM."""
    view = statement_view(run, csm_result, issued=issued, input_hash=inputs.digest, version=__version__)
    record = _record(run, csm_result, inputs, plan_text, issued, view, stem)
    if ledger is not None:
        record["ledger"] = ledger.record()
    html = render_template("statements/statement.html.j2", s=view, filename=f"{stem}.html",
                           record_json=json_for_script(record),
                           ledger=panel_view(ledger) if ledger is not None else None)
    return Statement(csm_result.csm.csm_id, stem, html, record, view, csm_result.total)


@exactly
def build_statements(run: RunResult, plan_text: str | None = None, *, issued: date | None = None,
                     csm_ids: Iterable[str] | None = None,
                     ledger: Mapping[str, LedgerPanel] | None = None) -> list[Statement]:
    """The statements of a run (all CSMs, or those of ``csm_ids``), in roster order; ``ledger`` maps csm_id to
    the closed period's :class:`~xlcomp.model.ledger_lines.LedgerPanel` (lines, year to date, balance)."""
    text = plan_text_of(run, plan_text)
    chosen = list(run.csms)
    if csm_ids is not None:
        wanted = list(dict.fromkeys(csm_ids))
        known = {c.csm.csm_id for c in run.csms}
        unknown = [c for c in wanted if c not in known]
        if unknown:
            raise UsageError(f"not on the roster: {', '.join(unknown)}")
        chosen = [c for c in run.csms if c.csm.csm_id in set(wanted)]
    rows = book_rows(run.book, [c.csm.csm_id for c in chosen] if csm_ids is not None else None)
    credited = credit_record_rows(run, [c.csm.csm_id for c in chosen], ACCOUNT_COLUMNS, _text)
    day = issued or date.today()
    stems: set[str] = set()
    statements = []
    for csm_result in chosen:
        base = f"{safe_name(csm_result.csm.csm_id)}-{run.period.label}"
        stem, n = base, 1
        while stem.lower() in stems:
            n += 1
            stem = f"{base}-{n}"
        stems.add(stem.lower())
        inputs = input_record(csm_result.csm, rows.get(csm_result.csm.csm_id, []),
                              [line.adjustment for line in csm_result.adjustments], run.changes,
                              credited.get(csm_result.csm.csm_id, ()))
        statements.append(render_statement(run, csm_result, inputs, text, day, stem,
                                           ledger.get(csm_result.csm.csm_id) if ledger else None))
    return statements


def _index_html(run: RunResult, statements: list[Statement], pdf: bool, issued: date) -> str:
    return render_template("statements/index.html.j2", run=run, statements=statements, pdf=pdf,
                           issued=day_text(issued), currency=run.plan.currency,
                           total=f"{sum((s.total for s in statements), Decimal(0)):,.2f}", version=__version__)


class DoneCounter:
    """Counts finished documents (from printing threads too) and reports them."""

    def __init__(self, total: int, report: Callable[[int, int], None] | None) -> None:
        self.total = total
        self.done = 0
        self._report = report
        self._lock = threading.Lock()

    def one(self) -> None:
        with self._lock:
            self.done += 1
            done = self.done
        if self._report is not None:
            self._report(done, self.total)


@exactly
def write_statements(run: RunResult, out: Path, *, plan_text: str | None = None, pdf: bool = True,
                     issued: date | None = None, csm_ids: Iterable[str] | None = None,
                     printer: PdfPrinter | None = None, workers: int | None = None,
                     progress: Callable[[int, int], None] | None = None,
                     ledger: Mapping[str, LedgerPanel] | None = None) -> list[Path]:
    """Write ``<csm>-<period>.html`` (and ``.pdf``) per CSM and an ``index.html`` into ``out``.

    PDFs are printed by ``printer`` (shared across calls, e.g. by the demo), or by a printer of
    ``workers`` processes made for this call (default: one per core for large runs). ``progress`` is
    called with (statements done, statements in all) as they are finished. All files appear together
    or none does. ``ledger``: per CSM, a closed period's panel (see :func:`build_statements`). Returns the
    paths written.
    """
    day = issued or date.today()
    statements = build_statements(run, plan_text, issued=day, csm_ids=csm_ids, ledger=ledger)
    finished = DoneCounter(len(statements), progress)
    own = None
    if pdf and printer is None:
        own = printer = PdfPrinter(workers if workers is not None else default_workers(len(statements)))
    try:
        with OutputSet() as outputs:
            for statement in statements:
                outputs.add(out / f"{statement.stem}.html", statement.html)
                if pdf:
                    assert printer is not None
                    printer.submit(statement.html, outputs.path(out / f"{statement.stem}.pdf"),
                                   ((ATTACHMENT, statement.record_bytes),), finished.one)
                else:
                    finished.one()
            outputs.add(out / "index.html", _index_html(run, statements, pdf, day))
            if printer is not None:
                printer.wait()
            return outputs.commit()
    finally:
        if own is not None:
            own.close()


@exactly
def write_statements_many(jobs: Iterable[tuple[RunResult, Path]], *, pdf: bool = True, issued: date | None = None,
                          workers: int | None = None, progress: Callable[[int, int], None] | None = None
                          ) -> list[Path]:
    """Write the statements of several runs, each into its folder, sharing one PDF printer.

    Used by the demo (six plans over one book): the printing processes start once, not once per plan.
    ``progress`` is called with (statements done, statements in all runs).
    """
    jobs = list(jobs)
    count = sum(len(run.csms) for run, _ in jobs)
    before = 0

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress(before + done, count)

    written: list[Path] = []
    printer = PdfPrinter(workers if workers is not None else default_workers(count)) if pdf else None
    with printer if printer is not None else contextlib.nullcontext():
        for run, out in jobs:
            written += write_statements(run, out, pdf=pdf, issued=issued, printer=printer, progress=report)
            before += len(run.csms)
    return written
