"""A library never changes its host's state: decimal context, logging, warnings filters.

xlcomp computes with 40 significant digits and Excel's half-away-from-zero rounding, but only
inside local contexts: importing it leaves the host's decimal context alone, and a host running
with a coarse context of its own still gets the exact payouts.
"""

import subprocess
import sys
import textwrap
from decimal import ROUND_FLOOR, Context, Decimal, localcontext
from pathlib import Path

from xlcomp import calculate
from xlcomp.roi.metrics import roi_metrics

PROBE = textwrap.dedent("""
    import decimal, logging, warnings
    # third-party libraries may set filters of their own on import (numpy does): import them first
    import numpy, pandas, pyarrow, pyarrow.csv, yaml, openpyxl, xlsxwriter, python_calamine, typer, rich, jinja2
    import defusedxml, fastapi, uvicorn, httpx, sqlalchemy, alembic, xlwings
    before = (decimal.getcontext().prec, decimal.getcontext().rounding, decimal.DefaultContext.prec,
              decimal.DefaultContext.rounding, list(logging.getLogger().handlers), logging.getLogger().level,
              list(warnings.filters))
    import xlcomp, xlcomp.cli, xlcomp.workbook, xlcomp.recalc.batch, xlcomp.statements, xlcomp.server, xlcomp.udfs
    import xlcomp.functions, xlcomp.roi.montecarlo, xlcomp.demo
    after = (decimal.getcontext().prec, decimal.getcontext().rounding, decimal.DefaultContext.prec,
             decimal.DefaultContext.rounding, list(logging.getLogger().handlers), logging.getLogger().level,
             list(warnings.filters))
    assert before == after, (before, after)
    assert decimal.getcontext().prec == 28 and decimal.getcontext().rounding == decimal.ROUND_HALF_EVEN
    print("unchanged")
""")


def test_importing_xlcomp_changes_no_host_state() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "unchanged"


def _everything(project: Path) -> tuple[object, ...]:
    result = calculate(project / "plan.yaml", project / "roster.csv", project / "accounts.csv", "2027-Q1")
    csm = result.csm("CSM-1")
    renewal = csm.component("renewal")
    return (result.payouts.to_dict("records"), result.summary.to_dict("records"), result.total,
            renewal.trace.segments, csm.component("upsell").trace.segments, sorted(roi_metrics(result).items()))


def test_a_coarse_host_context_gets_the_same_exact_payouts(project: Path) -> None:
    expected = _everything(project)
    host = Context(prec=5, rounding=ROUND_FLOOR)
    with localcontext(host) as inside:
        got = _everything(project)
        assert inside.prec == 5 and inside.rounding == ROUND_FLOOR  # and left as it was
    assert got == expected
    # the hand-worked renewal of CSM-1 (tests/engine/test_payouts.py): 6,916.31, with 5 digits it would be 6916.3
    assert any(row["payout"] == Decimal("6916.31") for row in got[0])
