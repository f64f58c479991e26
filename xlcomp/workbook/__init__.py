"""The workbook writer (SPEC section 5): an engine run as a formatted workbook of live formulas.

:mod:`.layout` is the contract both the writer and the upload reader follow (sheet, table and
name conventions); :mod:`.writer` assembles the workbook from one module per sheet under
:mod:`.sheets`; every formula's text comes from :mod:`xlcomp.rules` through :mod:`.formulas`, and
every formula cell caches the engine's value.
"""

from xlcomp.workbook.writer import stage_workbook, template_result, workbook_bytes, write_workbook

__all__ = ["stage_workbook", "template_result", "workbook_bytes", "write_workbook"]
