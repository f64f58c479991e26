"""Statements and plan letters: every CSM sees why they were paid, and can prove it.

- :func:`write_statements` writes one HTML and one PDF statement per CSM of a run, each carrying
  the inputs that reproduce it (plan YAML, roster row, accounts) and their hashes.
- :func:`verify_statement` recomputes a statement from those inputs (or from current files) and
  lists what no longer holds.
- :func:`write_letters` writes one plan letter per CSM for sign-off: targets, curves in words and
  as a chart, and worked examples at 80%, 100% and 120% computed by the engine.
- ``ledger={csm_id: LedgerPanel}`` (plain records of :mod:`xlcomp.model.ledger_lines`) adds a closed
  period's ledger lines, year to date and balance to a statement (:mod:`.ledger_view`); the ledger
  builds them, the statements never import the ledger.
"""

from xlcomp.statements.letters import write_letters
from xlcomp.statements.statement import (
           ATTACHMENT,
           FORMAT,
           Statement,
           build_statements,
           write_statements,
           write_statements_many,
)
from xlcomp.statements.verify import Difference, Verification, verify_statement

__all__ = ["ATTACHMENT", "FORMAT", "Difference", "Statement", "Verification", "build_statements", "verify_statement",
           "write_letters", "write_statements", "write_statements_many"]
