"""What a closed period adds to a CSM's pay, as plain records the views share (SPEC section 9).

The ledger builds them; the statements (:class:`LedgerPanel` per CSM) and the workbook's Ledger
sheet (:class:`LedgerLine` rows and :class:`YtdLine` derivations) only read them. So neither view
imports the ledger, and the ledger does not import the statements (import-linter keeps the views
apart).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xlcomp.money import fmt_decimal

__all__ = ["LEDGER_KINDS", "LedgerLine", "LedgerPanel", "YtdLine"]

LEDGER_KINDS = ("adjustment", "prior_period", "clawback", "draw")   # the lines a close adds to the computed ones
_KIND_LABELS = {"adjustment": "Adjustment", "prior_period": "Prior-period correction", "clawback": "Clawback",
                "draw": "Draw"}


@dataclass(frozen=True)
class LedgerLine:
    """A line the ledger added to a CSM's period (kind adjustment, prior_period, clawback or draw)."""

    csm_id: str
    kind: str
    component: str
    amount: Decimal
    note: str = ""
    account_id: str = ""
    source: str = ""   # for prior_period and clawback lines: the period and version they come from (2027-Q1@1)

    @property
    def label(self) -> str:
        """The kind in words."""
        return _KIND_LABELS.get(self.kind, self.kind)


@dataclass(frozen=True)
class YtdLine:
    """A ``measure: ytd`` component of one CSM: its payout on the plan year to date, what was paid on it
    before this period, and this period's line (the difference; it can be negative)."""

    csm_id: str
    component: str
    ytd_payout: Decimal
    paid_before: Decimal
    actual: Decimal | None = None
    target: Decimal | None = None
    attainment: Decimal | None = None
    target_incentive: Decimal | None = None

    @property
    def this_period(self) -> Decimal:
        """YTD payout − paid before."""
        return self.ytd_payout - self.paid_before


@dataclass(frozen=True)
class LedgerPanel:
    """One CSM's ledger figures for a closed period: the added lines, the YTD derivations, the balance rule."""

    period: str
    version: int
    lines: tuple[LedgerLine, ...]
    ytd: tuple[YtdLine, ...]
    gross: Decimal
    balance_in: Decimal
    draw: Decimal
    payable: Decimal
    balance_out: Decimal
    name: str = ""
    draw_recoverable: bool = False   # a recoverable draw is added to the balance owed; a guarantee is not

    def record(self) -> dict[str, Any]:
        """The panel as plain JSON data (exact decimal text)."""
        def text(value: Decimal) -> str:
            return fmt_decimal(value, 2)

        return {
            "period": self.period, "version": self.version,
            "lines": [{"kind": line.kind, "component": line.component, "amount": text(line.amount), "note": line.note}
                      for line in self.lines],
            "ytd": [{"component": y.component, "ytd_payout": text(y.ytd_payout), "paid_before": text(y.paid_before),
                     "this_period": text(y.this_period)} for y in self.ytd],
            **{name: text(getattr(self, name)) for name in ("gross", "balance_in", "draw", "payable", "balance_out")},
        }

    @classmethod
    def from_record(cls, record: dict[str, Any], csm_id: str) -> LedgerPanel:
        """The panel back from :meth:`record` (what a statement embeds): every figure its view shows.

        Raises ``KeyError``, ``TypeError`` or ``ArithmeticError`` on a record that is not one."""
        def money(value: Any) -> Decimal:
            return Decimal(str(value))

        return cls(
            period=str(record["period"]), version=int(record["version"]),
            lines=tuple(LedgerLine(csm_id, str(line["kind"]), str(line["component"]), money(line["amount"]),
                                   str(line.get("note", ""))) for line in record["lines"]),
            ytd=tuple(YtdLine(csm_id, str(y["component"]), money(y["ytd_payout"]), money(y["paid_before"]))
                      for y in record["ytd"]),
            gross=money(record["gross"]), balance_in=money(record["balance_in"]), draw=money(record["draw"]),
            payable=money(record["payable"]), balance_out=money(record["balance_out"]),
        )

    @property
    def balanced(self) -> bool:
        """Does it follow the balance rule: payable = max(0, gross − balance in) + draw?"""
        return self.payable == self.payable_by_rule

    @property
    def payable_by_rule(self) -> Decimal:
        """max(0, gross − balance in) + draw."""
        return max(Decimal(0), self.gross - self.balance_in) + self.draw

