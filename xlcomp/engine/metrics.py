"""Metrics per CSM (SPEC section 2), exact: each is a numerator over a denominator.

Keeping the fraction lets attainment be computed with one division,
``ROUND(num / (den x target), 6)``, so a result that is exactly on a rounding edge rounds the way
the decimal value says. The account sums come from Arrow's grouped decimal sums (exact, and as fast
as a pandas groupby); the formulas are the plain functions below, which the worksheet functions
call too.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xlcomp.engine.curves import decimals, where
from xlcomp.engine.sums import IntegerSums
from xlcomp.model.metrics import SUM_FIELDS, metric_def
from xlcomp.model.people import Book, Csm
from xlcomp.model.plan import Plan

__all__ = [
    "METRIC_KEYS",
    "Aggregates",
    "BookSums",
    "CsmColumns",
    "MetricValue",
    "SumsColumns",
    "aggregates_of",
    "churn_rate",
    "gross_renewal_rate",
    "health_blend",
    "metric_value",
    "net_revenue_retention",
    "ratio",
]

ZERO = Decimal(0)
ONE = Decimal(1)
_WEIGHTED = ("health_score", "adoption_rate", "risk_score")
_SUM_KEYS = {name: f"sum:{name}" for name in SUM_FIELDS}


class MetricValue(NamedTuple):
    """A metric's value as ``num / den``; ``num`` is None when the metric is undefined, and ``reason`` says
    why (it means nothing when the metric is defined)."""

    name: str
    num: Decimal | None
    den: Decimal = ONE
    reason: str = ""

    @property
    def defined(self) -> bool:
        """Is there a value?"""
        return self.num is not None

    @property
    def value(self) -> Decimal | None:
        """The value (one division, 40 significant digits), or None when undefined."""
        if self.num is None:
            return None
        return self.num if self.den == ONE else self.num / self.den

    def at_least(self, threshold: Decimal) -> bool:
        """Exactly: is the value at least ``threshold``? (False when undefined.)"""
        if self.num is None:
            return False
        return self.num >= threshold * self.den


def ratio(name: str, num: Any, den: Any, why_zero: Any) -> MetricValue:
    """``num / den``, undefined with ``why_zero`` as the reason when ``den`` is 0.

    On arrays (every CSM at once) the result holds arrays: None in ``num`` where ``den`` is 0.
    """
    if isinstance(den, np.ndarray):
        zero = np.asarray(den == 0, dtype=bool)
        return MetricValue(name, where(zero, None, num), where(zero, ONE, den), why_zero)  # type: ignore[arg-type]
    if den == 0:
        return MetricValue(name, None, ONE, why_zero)
    return MetricValue(name, num, den)


def _count(value: Any) -> Any:
    """A count (or an array of counts) as Decimal."""
    if isinstance(value, np.ndarray):
        return decimals([v if isinstance(v, Decimal) else Decimal(int(v)) for v in value])
    return Decimal(value)


def _either(flag: Any, yes: str, no: str) -> Any:
    """``yes`` where ``flag`` is true, else ``no`` (elementwise on arrays)."""
    if isinstance(flag, np.ndarray):
        return where(np.asarray(flag, dtype=bool), yes, no)
    return yes if flag else no


def _filled(value: Any, default: Decimal) -> Any:
    """``value`` with None (no data) read as ``default`` (elementwise on arrays)."""
    if isinstance(value, np.ndarray):
        return decimals([default if v is None else v for v in value])
    return default if value is None else value


def gross_renewal_rate(renewable_arr: Decimal, renewed_arr: Decimal) -> MetricValue:
    """GRR = renewed_arr / renewable_arr."""
    return ratio("gross_renewal_rate", renewed_arr, renewable_arr, "no renewable ARR in the period")


def net_revenue_retention(arr_start: Decimal, expansion_arr: Decimal, contraction_arr: Decimal,
                          churned_arr: Decimal) -> MetricValue:
    """NRR = (arr_start + expansion - contraction - churned) / arr_start."""
    return ratio("net_revenue_retention", arr_start + expansion_arr - contraction_arr - churned_arr, arr_start,
                 "no starting ARR")


def churn_rate(churned: Decimal, total: Decimal, name: str = "logo_churn_rate") -> MetricValue:
    """Churned over total (logos or ARR)."""
    return ratio(name, churned, total, "no accounts" if name == "logo_churn_rate" else "total is 0")


def health_blend(scores: Sequence[Decimal | None], weights: Sequence[Decimal]) -> MetricValue:
    """A health score blended from component scores (usage, activity, engagement):
    ``Σ weight x score / Σ weight`` over the scores that have data (None is "no data").

    Undefined when no score with a positive weight has data.
    """
    num = den = ZERO
    for score, weight in zip(scores, weights, strict=True):
        if score is not None:
            num += weight * score
            den += weight
    return ratio("health_score", num, den, "no score has data")


class Aggregates:
    """A book's per-CSM group results (sums, counts, weighted-score parts), computed lazily.

    Each result column (``sum:renewed_arr``, ``count``, ``logo``, ``wnum:health_score``,
    ``wden:health_score``, ``nps_sum``, ``nps_count``) is computed with one Arrow grouped aggregation
    the first time it is needed (:meth:`ensure` batches several), then kept as exact Decimals in the
    order of ``csm_ids``.
    """

    def __init__(self, table: pa.Table) -> None:
        self.table = table
        encoded = pc.dictionary_encode(table["csm_id"]).combine_chunks() if table.num_rows else None
        self._codes = encoded.indices if encoded is not None else pa.array([], pa.int32())
        self.csm_ids: list[str] = encoded.dictionary.to_pylist() if encoded is not None else []
        self.position = {csm_id: i for i, csm_id in enumerate(self.csm_ids)}
        self.columns: dict[str, list[Any]] = {}
        self._int_sums: IntegerSums | None = None

    fractional = False   # counts are whole (credited shares of moved and split accounts make them Decimals)

    def _source(self, key: str) -> tuple[pa.Array, str]:
        table = self.table
        kind, _, name = key.partition(":")
        zero = pa.scalar(Decimal(0), table.schema.field("arr_start").type)
        if kind == "sum":
            return table[name], "sum"
        if kind == "count":
            return table["arr_start"], "count"
        if kind == "logo":
            return pc.cast(pc.and_(pc.greater(table["renewable_arr"], zero), pc.equal(table["renewed_arr"], zero)),
                           pa.int64()), "sum"
        if kind == "wnum":
            return pc.multiply(table["arr_start"], table[name]), "sum"
        if kind == "wden":
            return pc.if_else(pc.is_valid(table[name]), table["arr_start"], zero), "sum"
        if kind == "nps_sum":
            return table["nps"], "sum"
        if kind == "nps_count":
            return table["nps"], "count"
        raise KeyError(key)

    def ensure(self, keys: Iterable[str]) -> None:
        """Compute every missing result column of ``keys`` in one grouped aggregation."""
        missing = [k for k in dict.fromkeys(keys) if k not in self.columns]
        if not missing:
            return
        n = len(self.csm_ids)
        if n == 0:
            self.columns.update({k: [] for k in missing})
            return
        exact_sums = IntegerSums.of(self)
        if exact_sums is not None:
            for key in list(missing):
                found = exact_sums.column(key)
                if found is not None:
                    self.columns[key] = found
                    missing.remove(key)
            if not missing:
                return
        columns: dict[str, pa.Array] = {"code": self._codes}
        aggs = []
        for i, key in enumerate(missing):
            array, how = self._source(key)
            columns[f"c{i}"] = array
            aggs.append((f"c{i}", how))
        grouped = pa.table(columns).group_by("code", use_threads=True).aggregate(aggs).sort_by("code")
        for i, key in enumerate(missing):
            values = grouped.column(f"c{i}_{aggs[i][1]}").to_pylist()
            zero: Any = 0 if aggs[i][1] == "count" or key == "logo" else ZERO
            self.columns[key] = [zero if v is None else v for v in values]

    def value(self, key: str, position: int) -> Any:
        """One CSM's value of a result column."""
        column = self.columns.get(key)
        if column is None:
            self.ensure([key])
            column = self.columns[key]
        return column[position]


def _whole(value: Any) -> Any:
    """A count as an int, unless credited shares made it a fraction (then the Decimal)."""
    return int(value) if value == int(value) else value


class BookSums:
    """What the metrics need from one CSM's accounts: sums, counts and weighted-score parts.

    Built either from an :class:`Aggregates` (lazy, exact) or from plain values (totals, tests).
    """

    __slots__ = ("_accounts", "_agg", "_logos", "_nps", "_position", "_sums", "_weighted")

    def __init__(self, sums: Mapping[str, Decimal] | None = None, accounts: int = 0, logos_churned: int = 0,
                 weighted: Mapping[str, tuple[Decimal, Decimal]] | None = None,
                 nps: tuple[Decimal, int] = (ZERO, 0), *, aggregates: Aggregates | None = None,
                 position: int = 0) -> None:
        self._sums = sums if sums is not None else {}
        self._accounts = accounts
        self._logos = logos_churned
        self._weighted = weighted if weighted is not None else {}
        self._nps = nps
        self._agg = aggregates
        self._position = position

    def sum(self, column: str) -> Decimal:
        """Σ column over the CSM's accounts (0 when none)."""
        agg = self._agg
        if agg is None:
            return self._sums.get(column, ZERO)
        key = _SUM_KEYS.get(column) or f"sum:{column}"
        values = agg.columns.get(key)
        return values[self._position] if values is not None else agg.value(key, self._position)  # type: ignore[no-any-return]

    @property
    def sums(self) -> Mapping[str, Decimal]:
        """Every summed account column."""
        if self._agg is not None:
            self._agg.ensure(f"sum:{name}" for name in SUM_FIELDS)
        return {name: self.sum(name) for name in SUM_FIELDS} if self._agg is not None else self._sums

    @property
    def accounts(self) -> int:
        """How many accounts the CSM has."""
        return _whole(self._agg.value("count", self._position)) if self._agg is not None else self._accounts

    @property
    def logos_churned(self) -> int:
        """Accounts with renewable ARR and nothing renewed."""
        return _whole(self._agg.value("logo", self._position)) if self._agg is not None else self._logos

    @property
    def weighted(self) -> Mapping[str, tuple[Decimal, Decimal]]:
        """score -> (Σ arr_start x score, Σ arr_start) over accounts with the score."""
        if self._agg is None:
            return self._weighted
        agg, i = self._agg, self._position
        agg.ensure(key for name in WEIGHTED_SCORES for key in (f"wnum:{name}", f"wden:{name}"))
        return {name: (agg.value(f"wnum:{name}", i), agg.value(f"wden:{name}", i)) for name in WEIGHTED_SCORES}

    def weighted_parts(self, name: str) -> tuple[Decimal, Decimal]:
        """(Σ arr_start x score, Σ arr_start) of one score."""
        if self._agg is None:
            return self._weighted.get(name, (ZERO, ZERO))
        return self._agg.value(f"wnum:{name}", self._position), self._agg.value(f"wden:{name}", self._position)

    @property
    def nps(self) -> tuple[Decimal, int]:
        """(Σ nps, accounts with an nps)."""
        if self._agg is None:
            return self._nps
        return self._agg.value("nps_sum", self._position), _whole(self._agg.value("nps_count", self._position))


EMPTY = BookSums()


class SumsColumns:
    """:class:`BookSums` of every CSM at once: each value an array in the given CSM order.

    Metric functions read it exactly as they read one CSM's sums (``sum``, ``accounts``, ``nps`` …), so
    a run computes each metric once for all CSMs with the very same formula.
    """

    def __init__(self, aggregates: Aggregates, csm_ids: Sequence[str]) -> None:
        self._agg = aggregates
        position = aggregates.position
        self._positions = np.array([position.get(csm_id, -1) for csm_id in csm_ids], dtype=np.int64)
        self._missing = self._positions < 0
        self._cache: dict[str, Any] = {}

    def __len__(self) -> int:
        """How many CSMs."""
        return len(self._positions)

    def _column(self, key: str) -> Any:
        found = self._cache.get(key)
        if found is None:
            self._agg.ensure([key])
            values = self._agg.columns[key]
            numeric = key in ("count", "logo", "nps_count") and not self._agg.fractional
            if numeric:
                column = np.asarray(values, dtype=np.int64)[self._positions] if values else \
                    np.zeros(len(self._positions), dtype=np.int64)
                column[self._missing] = 0
            else:
                column = decimals(values)[self._positions] if values else decimals([ZERO] * len(self._positions))
                column[self._missing] = ZERO
            found = self._cache[key] = column
        return found

    def sum(self, column: str) -> Any:
        """Σ column over each CSM's accounts."""
        return self._column(_SUM_KEYS.get(column) or f"sum:{column}")

    @property
    def accounts(self) -> Any:
        """Each CSM's account count."""
        return self._column("count")

    @property
    def logos_churned(self) -> Any:
        """Each CSM's accounts with renewable ARR and nothing renewed."""
        return self._column("logo")

    def weighted_parts(self, name: str) -> tuple[Any, Any]:
        """(Σ arr_start x score, Σ arr_start) of one score, per CSM."""
        return self._column(f"wnum:{name}"), self._column(f"wden:{name}")

    @property
    def nps(self) -> tuple[Any, Any]:
        """(Σ nps, accounts with an nps), per CSM."""
        return self._column("nps_sum"), self._column("nps_count")


class CsmColumns:
    """The roster's per-CSM numeric columns for every CSM at once (arrays, None where blank)."""

    def __init__(self, csms: Sequence[Csm]) -> None:
        self._csms = csms

    def value(self, column: str) -> Any:
        """The column for every CSM."""
        return decimals([csm.value(column) for csm in self._csms])


WEIGHTED_SCORES = _WEIGHTED

# The result columns each metric reads, so a run computes exactly those in one pass.
METRIC_KEYS: dict[str, tuple[str, ...]] = {
    "expansion_arr": ("sum:upsell_arr", "sum:cross_sell_arr"),
    "churned_arr": ("sum:renewable_arr", "sum:renewed_arr"),
    "gross_renewal_rate": ("sum:renewable_arr", "sum:renewed_arr"),
    "net_revenue_retention": ("sum:arr_start", "sum:upsell_arr", "sum:cross_sell_arr", "sum:contraction_arr",
                              "sum:renewable_arr", "sum:renewed_arr"),
    "logo_churn_rate": ("logo", "count"),
    "nps": ("nps_sum", "nps_count", "count"),
    "onboarding_rate": ("sum:onboarding_done", "sum:onboarding_planned"),
    **{name: (f"wnum:{name}", f"wden:{name}", "count") for name in _WEIGHTED},
    **{name: (f"sum:{name}",) for name in SUM_FIELDS},
}

_AGGREGATES: weakref.WeakKeyDictionary[Book, Aggregates] = weakref.WeakKeyDictionary()


def aggregates_of(book: Book) -> Aggregates:
    """The (cached) lazy per-CSM aggregates of a book."""
    found = _AGGREGATES.get(book)
    if found is None:
        found = _AGGREGATES[book] = Aggregates(book.table)
    return found


def _weighted_metric(name: str) -> Callable[[BookSums, Csm | None], MetricValue]:
    def value(sums: BookSums, csm: Csm | None) -> MetricValue:
        num, den = sums.weighted_parts(name)
        return ratio(name, num, den, _either(sums.accounts, f"no account has a {name}", "no accounts"))
    return value


def _sum_metric(name: str) -> Callable[[BookSums, Csm | None], MetricValue]:
    def value(sums: BookSums, csm: Csm | None) -> MetricValue:
        return MetricValue(name, sums.sum(name))
    return value


def _nps(sums: BookSums, csm: Csm | None) -> MetricValue:
    total, count = sums.nps
    return ratio("nps", total, _count(count), _either(sums.accounts, "no account has an nps", "no accounts"))


def _mbo_score(sums: BookSums, csm: Csm | None) -> MetricValue:
    value = csm.value("mbo_score") if csm else None
    missing = "no mbo_score on the roster"
    return MetricValue("mbo_score", value, ONE, missing if value is None or isinstance(value, np.ndarray) else "")


def _utilization(sums: BookSums, csm: Csm | None) -> MetricValue:
    billable = _filled(csm.value("billable_hours") if csm else None, ZERO)
    available = _filled(csm.value("available_hours") if csm else None, ZERO)
    return ratio("utilization", billable, available, "no available_hours on the roster")


def _nrr(sums: BookSums, csm: Csm | None) -> MetricValue:
    s = sums.sum
    renewable, renewed = s("renewable_arr"), s("renewed_arr")
    return net_revenue_retention(s("arr_start"), s("upsell_arr") + s("cross_sell_arr"), s("contraction_arr"),
                                 renewable - renewed)


_METRIC_VALUES: dict[str, Callable[[BookSums, Csm | None], MetricValue]] = {
    **{name: _sum_metric(name) for name in SUM_FIELDS},
    "expansion_arr": lambda sums, csm: MetricValue("expansion_arr",
                                                   sums.sum("upsell_arr") + sums.sum("cross_sell_arr")),
    "churned_arr": lambda sums, csm: MetricValue("churned_arr", sums.sum("renewable_arr") - sums.sum("renewed_arr")),
    "gross_renewal_rate": lambda sums, csm: gross_renewal_rate(sums.sum("renewable_arr"), sums.sum("renewed_arr")),
    "net_revenue_retention": _nrr,
    "logo_churn_rate": lambda sums, csm: churn_rate(_count(sums.logos_churned), _count(sums.accounts)),
    **{name: _weighted_metric(name) for name in _WEIGHTED},
    "nps": _nps,
    "onboarding_rate": lambda sums, csm: ratio("onboarding_rate", sums.sum("onboarding_done"),
                                               sums.sum("onboarding_planned"), "no onboardings planned"),
    "mbo_score": _mbo_score,
    "utilization": _utilization,
}


def metric_value(name: str, sums: BookSums, csm: Csm | None, plan: Plan) -> MetricValue:
    """The value of metric ``name`` for one CSM (SPEC section 2)."""
    compute = _METRIC_VALUES.get(name)
    if compute is not None:
        return compute(sums, csm)
    if name in plan.inputs:
        return MetricValue(name, plan.inputs[name])
    if metric_def(name, set(plan.inputs)) is not None:
        return MetricValue(name, None, ONE, f"the plan's inputs have no {name}")
    raise KeyError(name)
