"""The cases the generated xlwings Lite functions are checked on, against xlcomp's registry: the worked
examples of docs/functions.md, every error value, dates as serials and text, ranges with blanks and a
header row, and random curves, commissions and metrics. Arguments are what Excel passes through
xlwings Lite (numbers, texts, booleans, None for an empty cell, ranges as rows), so they travel as JSON.
"""

from __future__ import annotations

import random
from typing import Any

__all__ = ["Case", "lite_cases"]

Case = tuple[str, list[Any]]

_DOMAIN_TIERS = [[1, 0.075], [1.5, 0.125], [None, 0.15]]
_BONUS_TIERS = [[1, 1], [1.1, 3], [None, 1]]

FIXED: list[Case] = [
    # docs/functions.md, worked examples
    ("CSM_COMMISSION", [500000, 300000, _DOMAIN_TIERS]),
    ("CSM_COMMISSION", [500000, 300000, _DOMAIN_TIERS, "whole"]),
    ("CSM_ATTAINMENT", [0.95, 0.92]),
    ("CSM_TIERED", [1.032609, _BONUS_TIERS, "marginal", 0.85, 1.5]),
    ("CSM_PRORATION", [46433, None, 46388, 46477]),          # DATE(2027,2,15), "", DATE(2027,1,1), DATE(2027,3,31)
    ("CSM_PRORATION", ["2027-02-15", "", "2027-01-01", "2027-03-31"]),
    ("CSM_PRORATION", [0, 0, 46388, 46477]),                  # =Roster!H5 of empty date cells
    ("CSM_PRORATION", [None, "2027-02-14", "2027-01-01", "2027-03-31"]),
    ("CS_HEALTH", [80, 60, 40, [[0.5, 0.3, 0.2]]]),
    ("CS_HEALTH", [80, 60, 40, [[50], [30], [20]]]),
    ("CS_HEALTH", [80, None, 40]),
    ("CS_HEALTH", [None, "", None]),                          # #DIV/0!: no score has data
    ("CS_HEALTH", [80, 60, 101]),                             # #NUM!
    ("CS_HEALTH", [80, 60, 40, [[1, 2]]]),                    # #VALUE!: 2 weights
    ("CS_GRR", [1000000, 920000]),
    ("CS_GRR", [0, 0]),                                       # #DIV/0!
    ("CS_GRR", [None, None]),
    ("CS_GRR", ["abc", 1]),                                   # #VALUE!
    ("CS_GRR", [True, 1]),                                    # #VALUE!: TRUE is not a number
    ("CS_GRR", [-5, 1]),                                      # #NUM!
    ("CS_GRR", ["1000000", "85%"]),
    ("CS_GRR", [[[1000000, 2]], 5]),                          # #VALUE!: a range for one cell
    ("CS_GRR", [[[1000000]], 5]),                             # one cell as a range is fine
    ("CS_NRR", [1000000, 150000, 20000, 50000]),
    ("CS_NRR", [0, 1, 1, 1]),
    ("CS_CHURN_RATE", [3, 40]),
    ("CS_CHURN_RATE", [41, 40]),                              # #NUM!
    ("CS_MAGIC_NUMBER", [4600000, 400000, 800000, 200000]),
    ("CS_MAGIC_NUMBER", [4600000, 400000, 800000]),
    ("CS_MAGIC_NUMBER", [1, 1, 0, None]),                     # #DIV/0!
    ("CS_COVERAGE", [10000000, 4]),
    ("CS_COVERAGE", [10000000, 0]),
    ("CS_COVERAGE", [10000000, -1]),
    ("CSM_ATTAINMENT", [1, None]),                            # #DIV/0!: an empty target
    ("CSM_ATTAINMENT", [1e308, 1e-300]),                      # #NUM!: too large for Excel
    ("CSM_TIERED", [1.2, [["upto", "rate"], [1, 1], [None, None], [None, 2]]]),  # header and blank row
    ("CSM_TIERED", [1.2, [[2, 1], [1, 2]]]),                  # #NUM!: tiers do not ascend
    ("CSM_TIERED", [1.2, [[1, 1, 3]]]),                       # #VALUE!: 3 columns
    ("CSM_TIERED", [1.2, [[None, 1], [2, 1]]]),               # #VALUE!: only the last upto may be blank
    ("CSM_TIERED", [1.2, _BONUS_TIERS, "sideways"]),          # #VALUE!: unknown mode
    ("CSM_TIERED", [1.2, [[1, -1]]]),                         # #NUM!: negative rate
    ("CSM_TIERED", [-0.5, _BONUS_TIERS]),
    ("CSM_TIERED", ["105%", _BONUS_TIERS, "steps", "", ""]),
    ("CSM_COMMISSION", [500000, 300000, _DOMAIN_TIERS, "steps"]),  # #VALUE!: steps is for bonuses
    ("CSM_PRORATION", ["2027-03-01", "2027-02-01", "2027-01-01", "2027-03-31"]),  # #NUM!: end before start
    ("CSM_PRORATION", ["someday", None, "2027-01-01", "2027-03-31"]),  # #VALUE!
    ("CSM_PRORATION", [None, None, None, "2027-03-31"]),      # #VALUE!: period_start blank
    ("CSM_PRORATION", [3000000, None, 46388, 46477]),         # #NUM!: not a date serial
]


def _amount(rng: random.Random) -> Any:
    choice = rng.random()
    if choice < 0.05:
        return None
    if choice < 0.1:
        return f"{rng.randint(0, 10**6)}"
    return round(rng.uniform(0, 3 * 10**6), rng.choice([0, 2]))


def _tiers(rng: random.Random, rows: int) -> list[list[Any]]:
    uptos = sorted({round(rng.uniform(0.2, 2.5), 3) for _ in range(rows)})
    tiers: list[list[Any]] = [[upto, round(rng.uniform(0, 4), 4)] for upto in uptos]
    if rng.random() < 0.6:
        tiers[-1][0] = None
    if rng.random() < 0.2:
        tiers.insert(rng.randrange(len(tiers)), [None, None])     # a blank row
    if rng.random() < 0.2:
        tiers.insert(0, ["upto", "rate"])
    return tiers


def lite_cases(seed: int = 19, count: int = 400) -> list[Case]:
    """The fixed cases and ``count`` random ones."""
    rng = random.Random(seed)
    cases = list(FIXED)
    for _ in range(count):
        kind = rng.randrange(7)
        if kind == 0:
            threshold = rng.choice([None, round(rng.uniform(0, 1), 2)])
            cap = rng.choice([None, round(rng.uniform(0.5, 3), 2)])
            cases.append(("CSM_TIERED", [round(rng.uniform(-0.2, 2.6), rng.choice([2, 6, 9])),
                                         _tiers(rng, rng.randint(1, 5)),
                                         rng.choice([None, "marginal", "whole", "steps", "WHOLE"]), threshold, cap]))
        elif kind == 1:
            cases.append(("CSM_COMMISSION", [_amount(rng), rng.choice([0, 250000, 300000, 1000000]),
                                             _tiers(rng, rng.randint(1, 4)), rng.choice([None, "marginal", "whole"])]))
        elif kind == 2:
            cases.append(("CSM_ATTAINMENT", [_amount(rng), rng.choice([None, 1, 3, 0.92, 300000, 7, -1])]))
        elif kind == 3:
            start = 46388 + rng.randint(-200, 90)
            end = rng.choice([None, 0, start + rng.randint(-10, 200)])
            cases.append(("CSM_PRORATION", [rng.choice([start, None]), end, 46388, rng.choice([46477, 46387])]))
        elif kind == 4:
            cases.append((rng.choice(["CS_GRR", "CS_CHURN_RATE", "CS_COVERAGE"]), [_amount(rng), _amount(rng)]))
        elif kind == 5:
            cases.append((rng.choice(["CS_NRR", "CS_MAGIC_NUMBER"]), [_amount(rng) for _ in range(4)]))
        else:
            scores = [rng.choice([None, rng.randint(0, 100), round(rng.uniform(0, 100), 1)]) for _ in range(3)]
            weights = rng.choice([None, [[0.5, 0.3, 0.2]], [[1], [1], [2]], [[0, 0, 0]],
                                  [[rng.randint(0, 9) for _ in range(3)]]])
            cases.append(("CS_HEALTH", [*scores, weights] if weights is not None else scores))
    return cases


def registry_results(cases: list[Case]) -> list[dict[str, Any]]:
    """What xlcomp's registry returns on each case, in the form ``evaluate.py`` reports."""
    from xlcomp.functions import REGISTRY, ExcelError

    results: list[dict[str, Any]] = []
    for name, args in cases:
        result = REGISTRY[name](*args)
        if isinstance(result, ExcelError):
            results.append({"error": result.code, "message": result.message, "type": "str"})
        else:
            results.append({"value": result})
    return results
