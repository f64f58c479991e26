"""The worksheet functions, called as Excel calls them, on numbers worked by hand.

The tier curves are the SPEC plan's (bonus: 1.0 to 100%, 3.0 to 110%, 1.0 above; threshold 0.85,
cap 1.5) and DOMAIN's worked commission (quarterly quota 300,000: 7.5% to 100%, 12.5% to 150%,
15% above).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from xlcomp.functions import REGISTRY, ExcelError

SPEC_TIERS = [["upto", "rate"], [1.0, 1.0], [1.1, 3.0], [None, 1.0]]
DOMAIN_TIERS = [[1, 0.075], [1.5, 0.125], ["", 0.15]]


def call(name: str, *args: object) -> object:
    return REGISTRY[name](*args)


def assert_error(result: object, code: str, *words: str) -> None:
    assert isinstance(result, ExcelError), result
    assert result == code and result.code == code
    for word in words:
        assert word in result.message, result.message


def test_registry_lists_the_spec_functions_with_help():
    assert list(REGISTRY) == ["CSM_ATTAINMENT", "CSM_TIERED", "CSM_COMMISSION", "CSM_PRORATION", "CS_GRR", "CS_NRR",
                              "CS_CHURN_RATE", "CS_MAGIC_NUMBER", "CS_COVERAGE", "CS_HEALTH"]
    for name, spec in REGISTRY.items():
        assert spec.name == name and spec.func.__name__ == name
        assert spec.description and all(p.description for p in spec.params)
    tiered = REGISTRY["CSM_TIERED"]
    assert tiered.signature == "CSM_TIERED(attainment, tiers, [mode], [threshold], [cap])"
    assert [(p.name, p.kind, p.optional, p.dimensionality) for p in tiered.params] == [
        ("attainment", "number", False, "scalar"), ("tiers", "range", False, "matrix"),
        ("mode", "text", True, "scalar"), ("threshold", "number", True, "scalar"), ("cap", "number", True, "scalar")]
    assert REGISTRY["CSM_COMMISSION"].signature == "CSM_COMMISSION(amount, quota, tiers, [mode])"
    assert REGISTRY["CS_HEALTH"].signature == "CS_HEALTH(usage, activity, engagement, [weights])"


def test_attainment_rounds_to_six_places_and_floors_at_zero():
    assert call("CSM_ATTAINMENT", 0.95, 0.92) == 1.032609      # 1.0326086956...
    assert call("CSM_ATTAINMENT", 2, 3) == 0.666667
    assert call("CSM_ATTAINMENT", 0.0000005, 1) == 0.000001    # half away from zero
    assert call("CSM_ATTAINMENT", -5, 100) == 0
    assert call("CSM_ATTAINMENT", None, 100) == 0              # an empty cell is 0
    assert call("CSM_ATTAINMENT", [[70000]], [[50000]]) == 1.4  # one-cell ranges are values


def test_tiered_marginal_whole_steps_threshold_cap():
    # a = 1.032609: 1.0 x 1.0 + 3.0 x 0.032609 = 1.097827 (the engine test's CSM-1 renewal share)
    assert call("CSM_TIERED", 1.032609, SPEC_TIERS, "marginal", 0.85, 1.5) == 1.097827
    # a = 0.95: inside the first tier
    assert call("CSM_TIERED", 0.95, SPEC_TIERS) == 0.95
    # a = 1.3: 1.0 + 3.0 x 0.1 + 1.0 x 0.2 = 1.5; above it the cap holds
    assert call("CSM_TIERED", 1.3, SPEC_TIERS, "marginal", 0.85, 1.5) == 1.5
    assert call("CSM_TIERED", 1.6, SPEC_TIERS, "marginal", 0.85, 1.5) == 1.5
    assert call("CSM_TIERED", 1.6, SPEC_TIERS) == 1.6 + 0.2   # 1.0 + 0.3 + 0.5, no cap
    # below the threshold pays 0 (0.815217 = ROUND(0.75 / 0.92, 6), the engine test's CSM-3)
    assert call("CSM_TIERED", 0.815217, SPEC_TIERS, "marginal", 0.85, 1.5) == 0
    assert call("CSM_TIERED", 0.85, SPEC_TIERS, "marginal", 0.85) == 0.85
    # whole: 1.05 is held by the 3.0 tier: 1.05 x 3.0; steps: the tier's rate
    assert call("CSM_TIERED", 1.05, SPEC_TIERS, "whole") == 3.15
    assert call("CSM_TIERED", 1.05, SPEC_TIERS, "Steps") == 3.0
    assert call("CSM_TIERED", 1.0, SPEC_TIERS, "steps") == 3.0   # upto is the next tier's lower bound
    # attainment is rounded to 6 places as the engine does: 1.0000004 -> 1.0
    assert call("CSM_TIERED", 1.0000004, SPEC_TIERS, "whole") == 3.0
    assert call("CSM_TIERED", 0.9999996, SPEC_TIERS, "whole") == 3.0
    assert call("CSM_TIERED", 0.9999994, SPEC_TIERS, "whole") == 0.999999
    assert call("CSM_TIERED", -0.2, SPEC_TIERS) == 0


def test_tiers_as_excel_sends_them():
    tiers_with_blank_rows = [[1, 1], [1.1, 3], ["", 1], ["", ""], [None, None]]
    assert call("CSM_TIERED", 1.05, tiers_with_blank_rows) == 1.15
    assert call("CSM_TIERED", 1.05, [[1, 1], [1.1, 3], [1.5, 1]]) == 1.15   # bounded last tier
    assert call("CSM_TIERED", 2, [[1, 1], [1.5, 2]]) == 2.0                 # marginal stops at the last upto
    assert call("CSM_TIERED", 0.5, [[None, 0.8]]) == 0.4                    # one open tier
    assert call("CSM_TIERED", 0.5, [1, 0.8]) == 0.4                         # a flat row
    assert call("CSM_TIERED", 1.2, [["100%", "1"], ["", "200%"]]) == 1.4     # numbers typed as text


def test_commission_domain_worked_example():
    # 300,000 x 7.5% + 150,000 x 12.5% + 50,000 x 15% = 22,500 + 18,750 + 7,500
    assert call("CSM_COMMISSION", 500000, 300000, DOMAIN_TIERS) == 48750.00
    assert call("CSM_COMMISSION", 500000, 300000, DOMAIN_TIERS, "marginal") == 48750.00
    # whole tier: 500,000 x 15%
    assert call("CSM_COMMISSION", 500000, 300000, DOMAIN_TIERS, "whole") == 75000.00
    # the engine test's upsell: 50,000 x 5% + 20,000 x 8%
    assert call("CSM_COMMISSION", 70000, 50000, [[1, 0.05], [None, 0.08]]) == 4100.00
    # cents are Excel's ROUND: 333.33 x 7.5% = 24.99975 -> 25.00; 100.10 x 7.5% = 7.5075 -> 7.51
    assert call("CSM_COMMISSION", 333.33, 300000, DOMAIN_TIERS) == 25.00
    assert call("CSM_COMMISSION", 100.10, 300000, DOMAIN_TIERS) == 7.51
    assert call("CSM_COMMISSION", -100, 300000, DOMAIN_TIERS) == 0


def test_proration_counts_first_and_last_days():
    q1 = (date(2027, 1, 1), date(2027, 3, 31))   # 90 days
    assert call("CSM_PRORATION", date(2020, 1, 6), None, *q1) == 1
    assert call("CSM_PRORATION", datetime(2027, 2, 15), None, *q1) == 0.5             # 45 / 90
    assert call("CSM_PRORATION", date(2026, 5, 1), date(2027, 1, 31), *q1) == 31 / 90  # leaver
    assert call("CSM_PRORATION", date(2027, 3, 31), "", *q1) == 1 / 90
    assert call("CSM_PRORATION", date(2027, 4, 1), None, *q1) == 0                    # starts after
    # Excel serial numbers (46388 is 2027-01-01, 46433 is 2027-02-15, 46477 is 2027-03-31) and ISO text
    assert call("CSM_PRORATION", 46433, None, 46388, 46477) == 0.5
    assert call("CSM_PRORATION", "2027-02-15", "", "2027-01-01", "2027-03-31") == 0.5
    assert call("CSM_PRORATION", None, "2027-01-31", 46388.0, 46477.75) == 31 / 90    # time of day ignored
    # serial 0 is what a formula shows for an empty date cell: no date
    assert call("CSM_PRORATION", 46433, 0, 46388, 46477) == 0.5
    # the SPEC's names for the first two parameters work as keywords too
    assert REGISTRY["CSM_PRORATION"](start=date(2027, 2, 15), end=None, period_start=q1[0], period_end=q1[1]) == 0.5


def test_retention_and_roi_metrics():
    assert call("CS_GRR", 100000, 95000) == 0.95
    assert call("CS_NRR", 1000000, 150000, 20000, 50000) == 1.08
    assert call("CS_NRR", 1000000, None, None, None) == 1
    assert call("CS_CHURN_RATE", 3, 40) == 0.075
    assert call("CS_MAGIC_NUMBER", 4600000, 400000, 800000, 200000) == 5
    assert call("CS_MAGIC_NUMBER", 4600000, 400000, 1000000) == 5      # no support cost given
    assert call("CS_COVERAGE", 10000000, 4) == 2500000
    assert call("CS_COVERAGE", 3000000, 1.5) == 2000000


def test_health_blend():
    assert call("CS_HEALTH", 80, 60, 40) == 60
    assert call("CS_HEALTH", 80, 60, 40, [[0.5, 0.3, 0.2]]) == 66          # 40 + 18 + 8
    assert call("CS_HEALTH", 80, 60, 40, [[50], [30], [20]]) == 66         # a column of weights, any scale
    assert call("CS_HEALTH", 80, None, 40, [[0.5, 0.3, 0.2]]) == 480 / 7  # (40 + 8) / 0.7: no activity data
    assert call("CS_HEALTH", 90, "", None) == 90


@pytest.mark.parametrize(("name", "args", "code", "words"), [
    ("CSM_ATTAINMENT", (1, 0), "#DIV/0!", ("target is 0",)),
    ("CSM_ATTAINMENT", (1, None), "#DIV/0!", ("target is 0",)),
    ("CSM_ATTAINMENT", (1, -2), "#NUM!", ("target", "positive")),
    ("CSM_ATTAINMENT", ("abc", 1), "#VALUE!", ('actual: "abc" is not a number',)),
    ("CSM_ATTAINMENT", (True, 1), "#VALUE!", ("TRUE is not a number",)),
    ("CSM_ATTAINMENT", ([[1, 2]], 1), "#VALUE!", ("actual", "one cell")),
    ("CSM_ATTAINMENT", (1,), "#VALUE!", ("missing", "target", "CSM_ATTAINMENT(actual, target)")),
    ("CSM_ATTAINMENT", (1, 2, 3), "#VALUE!", ("too many",)),
    ("CSM_ATTAINMENT", (float("nan"), 1), "#NUM!", ("finite",)),
    ("CSM_TIERED", (1, [[1, 1, 1]]), "#VALUE!", ("tiers", "2 columns")),
    ("CSM_TIERED", (1, [[2, 1], [1, 3]]), "#NUM!", ("tiers row 2", "ascend")),
    ("CSM_TIERED", (1, [[1, 1], [None, 2], [3, 1]]), "#VALUE!", ("tiers row 2", "only the last")),
    ("CSM_TIERED", (1, [[1, -1]]), "#NUM!", ("tiers row 1", "negative")),
    ("CSM_TIERED", (1, [[0, 1]]), "#NUM!", ("above 0",)),
    ("CSM_TIERED", (1, [[1, ""]]), "#VALUE!", ("rate is blank",)),
    ("CSM_TIERED", (1, [[1, "x"]]), "#VALUE!", ('tiers row 1 rate: "x" is not a number',)),
    ("CSM_TIERED", (1, [[None, None]]), "#VALUE!", ("no tiers",)),
    ("CSM_TIERED", (1, [[1, 1]], "linear"), "#VALUE!", ('mode: "linear" is not one of marginal, whole, steps',)),
    ("CSM_TIERED", (1, [[1, 1]], "marginal", -0.1), "#NUM!", ("threshold",)),
    ("CSM_TIERED", (1, [[1, 1]], "marginal", None, -1), "#NUM!", ("cap",)),
    ("CSM_COMMISSION", (1, 0, DOMAIN_TIERS), "#DIV/0!", ("quota is 0",)),
    ("CSM_COMMISSION", (1, -3, DOMAIN_TIERS), "#NUM!", ("quota",)),
    ("CSM_COMMISSION", (1, 1, DOMAIN_TIERS, "steps"), "#VALUE!", ("marginal, whole",)),
    ("CSM_PRORATION", (None, None, None, date(2027, 3, 31)), "#VALUE!", ("period_start is blank",)),
    ("CSM_PRORATION", (None, None, date(2027, 3, 31), date(2027, 1, 1)), "#NUM!", ("before period_start",)),
    ("CSM_PRORATION", (date(2027, 2, 1), date(2027, 1, 1), date(2027, 1, 1), date(2027, 3, 31)), "#NUM!",
     ("end_date", "before start_date")),
    ("CSM_PRORATION", ("soon", None, date(2027, 1, 1), date(2027, 3, 31)), "#VALUE!", ("start_date", "not a date")),
    ("CSM_PRORATION", (-1, None, date(2027, 1, 1), date(2027, 3, 31)), "#NUM!", ("serial",)),
    ("CSM_PRORATION", (None, None, 0, 46477), "#VALUE!", ("period_start is blank",)),
    ("CS_GRR", (0, 0), "#DIV/0!", ("no renewable ARR",)),
    ("CS_GRR", (-1, 0), "#NUM!", ("renewable",)),
    ("CS_NRR", (0, 1, 0, 0), "#DIV/0!", ("no starting ARR",)),
    ("CS_CHURN_RATE", (0, 0), "#DIV/0!", ("total is 0",)),
    ("CS_CHURN_RATE", (5, 4), "#NUM!", ("more than total",)),
    ("CS_MAGIC_NUMBER", (1, 1, 0, 0), "#DIV/0!", ("cost",)),
    ("CS_COVERAGE", (1000000, 0), "#DIV/0!", ("csms is 0",)),
    ("CS_COVERAGE", (1000000, -1), "#NUM!", ("csms",)),
    ("CS_HEALTH", (None, None, None), "#DIV/0!", ("no score has data",)),
    ("CS_HEALTH", (101, 50, 50), "#NUM!", ("usage", "above 100")),
    ("CS_HEALTH", (50, 50, 50, [[1, 1]]), "#VALUE!", ("3 weights",)),
    ("CS_HEALTH", (50, 50, 50, [[0, 0, 0]]), "#NUM!", ("add up to 0",)),
    ("CS_HEALTH", (50, 50, 50, [[1, -1, 1]]), "#NUM!", ("activity",)),
])
def test_bad_arguments_give_excel_errors_with_messages(name, args, code, words):
    assert_error(call(name, *args), code, *words)


def test_errors_are_values_that_read_like_excel():
    error = call("CS_GRR", 0, 0)
    assert isinstance(error, str) and error == "#DIV/0!"
    assert error.describe() == "#DIV/0! gross renewal rate is undefined: no renewable ARR in the period"
    assert error.as_dict() == {"code": "#DIV/0!", "message": error.message}
    with pytest.raises(ValueError, match="not an Excel error code"):
        ExcelError("#OOPS", "")


def test_results_are_floats_and_keywords_work():
    result = REGISTRY["CSM_TIERED"].func(attainment=1.2, tiers=[[1, 1], [None, 2]], mode="whole")
    assert type(result) is float and result == 2.4
    assert_error(REGISTRY["CS_GRR"](renewable=1, renewed=1, nonsense=2), "#VALUE!", "unexpected keyword")


def test_nothing_raises_on_odd_input():
    odd = [None, "", "x", True, 1e308, -1e308, float("inf"), [], [[]], [[1, 2], [3]], {"a": 1}, object(),
           date(2027, 1, 1), [[None, None]], "1e400", 10 ** 400]
    for spec in REGISTRY.values():
        for value in odd:
            args = [value] * len(spec.params)
            result = spec(*args)
            assert isinstance(result, (float, ExcelError)), (spec.name, value, result)
