"""Each payout rule once, rendered two ways: evaluated on exact Decimals by the engine, written as
Excel formula text by the workbook.

:mod:`~xlcomp.rules.expr` is the expression tree, :mod:`~xlcomp.rules.tables` its table nodes
(lookups, column totals); :mod:`~xlcomp.rules.curves` the tier tables, attainment;
:mod:`~xlcomp.rules.payout` threshold, cap, gate, multipliers, proration, targets and the payouts;
:mod:`~xlcomp.rules.status` why a component paid what it paid; :mod:`~xlcomp.rules.metrics` the
metric catalogue as book sums; :mod:`~xlcomp.rules.roi` the ROI metrics (SPEC section 7). Imports
only the model and money: no Excel library.
"""
