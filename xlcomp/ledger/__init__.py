"""The ledger: closed periods over a plan year on SQLAlchemy (SQLite by default, PostgreSQL), with
Alembic migrations shipped in the package (SPEC section 9).

- :func:`open_ledger` opens (and migrates) a ledger; :class:`LedgerError` says why it refuses.
- :func:`close_period` closes or reopens a period in one transaction.
- :mod:`xlcomp.ledger.view` reads it back (``ledger show``), :mod:`xlcomp.ledger.export` writes the
  Ledger workbook, :mod:`xlcomp.ledger.diff` explains a change of pay by cause.
"""

from xlcomp.ledger.close import Closed, CloseInputs, close_period, plan_year_periods, plan_year_start
from xlcomp.ledger.db import LedgerError, open_ledger

__all__ = ["CloseInputs", "Closed", "LedgerError", "close_period", "open_ledger", "plan_year_periods",
           "plan_year_start"]
