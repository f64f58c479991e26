"""A close's lines as the views read them: per CSM, a :class:`~xlcomp.model.ledger_lines.LedgerPanel`
for the statement, and the carried-in lines and YTD derivations for the workbook's Ledger sheet."""

from __future__ import annotations

from collections import defaultdict

from xlcomp.ledger.close import Closed
from xlcomp.model.ledger_lines import LEDGER_KINDS, LedgerLine, LedgerPanel, YtdLine

__all__ = ["ledger_lines", "ledger_panels", "ytd_lines"]


def ledger_lines(closed: Closed) -> list[LedgerLine]:
    """The lines the close added to the computed ones (adjustment, prior_period, clawback, draw), in order."""
    return [LedgerLine(line.csm_id, line.kind, line.component, line.payout, line.note, line.account_id or "",
                       f"{line.source_period}@{line.source_version}" if line.source_period else "")
            for line in closed.lines if line.kind in LEDGER_KINDS]


def ytd_lines(closed: Closed) -> list[YtdLine]:
    """Each ``measure: ytd`` component's derivation per CSM: YTD payout, paid before, this period's line."""
    return [YtdLine(r.csm_id, r.component.id, r.ytd_payout, r.paid_before, r.actual, r.target, r.attainment,
                    r.target_incentive) for r in closed.ytd]


def ledger_panels(closed: Closed) -> dict[str, LedgerPanel]:
    """Per CSM of the close: the lines the ledger added, the YTD derivations and the balance figures."""
    lines: dict[str, list[LedgerLine]] = defaultdict(list)
    for line in ledger_lines(closed):
        lines[line.csm_id].append(line)
    ytd: dict[str, list[YtdLine]] = defaultdict(list)
    for derivation in ytd_lines(closed):
        ytd[derivation.csm_id].append(derivation)
    roster = closed.run.roster.by_id()

    def recoverable(csm_id: str) -> bool:
        draw = roster[csm_id].draw if csm_id in roster else None
        return bool(draw is not None and draw.recoverable)

    return {row.csm_id: LedgerPanel(closed.period.label, closed.version, tuple(lines[row.csm_id]),
                                    tuple(ytd[row.csm_id]), row.gross, row.balance_in, row.draw, row.payable,
                                    row.balance_out, row.name, recoverable(row.csm_id))
            for row in closed.csms}
