"""A closed period's panel on a statement: this period's ledger lines, the year to date and the balance.

The statements know nothing of the ledger: the ledger builds one :class:`~xlcomp.model.ledger_lines.LedgerPanel`
per CSM (plain data) and the caller passes them to :func:`xlcomp.statements.write_statements` or
:func:`stage_statements` (``ledger={csm_id: panel}``). A statement with a panel shows, after the
summary, each year-to-date component's derivation (YTD payout less what was paid before), the lines
the ledger added (adjustments, prior_period differences, clawbacks, the draw) and the balance rule
(gross, balance in, draw, payable, balance out). The panel also goes into the statement's embedded
record under ``"ledger"``; ``xlcomp verify`` recomputes the computed part only (the ledger's lines
are history, not inputs).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from xlcomp.engine.run import RunResult
from xlcomp.model.ledger_lines import LedgerPanel
from xlcomp.outputs import OutputSet
from xlcomp.statements import fmt

__all__ = ["panel_view", "stage_statements"]


def panel_view(panel: LedgerPanel) -> dict[str, Any]:
    """The panel as the template prints it (amounts as text)."""
    return {
        "version": panel.version,
        "ytd": [{"component": y.component, "ytd_payout": fmt.amount(y.ytd_payout),
                 "paid_before": fmt.amount(y.paid_before), "this_period": fmt.amount(y.this_period)}
                for y in panel.ytd],
        "lines": [{"kind": line.kind, "label": line.label, "component": line.component, "note": line.note,
                   "amount": fmt.amount(line.amount)} for line in panel.lines],
        **{name: fmt.amount(getattr(panel, name)) for name in ("gross", "balance_in", "draw", "payable",
                                                                "balance_out")},
    }


def stage_statements(outputs: OutputSet, run: RunResult, folder: Path, *, ledger: Mapping[str, LedgerPanel],
                     pdf: bool = True, issued: date | None = None, plan_text: str | None = None) -> int:
    """Stage one statement per CSM of ``run`` (HTML, and PDF) into ``folder`` within ``outputs``, so they
    appear when the caller commits (a close: with the ledger's transaction). Returns how many."""
    from xlcomp.statements.statement import ATTACHMENT, build_statements

    statements = build_statements(run, plan_text, issued=issued, ledger=ledger)
    for statement in statements:
        outputs.add(folder / f"{statement.stem}.html", statement.html)
    if pdf and statements:
        from xlcomp.statements.render import PdfPrinter, default_workers

        with PdfPrinter(default_workers(len(statements))) as printer:
            for statement in statements:
                printer.submit(statement.html, outputs.path(folder / f"{statement.stem}.pdf"),
                               ((ATTACHMENT, statement.record_bytes),))
            printer.wait()
    return len(statements)
