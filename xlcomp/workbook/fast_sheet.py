"""XlsxWriter's worksheet with less work per cell, for the workbook's million cells.

:class:`FastWorksheet` is what :func:`xlcomp.workbook.writer.write_workbook` adds its sheets as
(``Workbook.add_worksheet(name, worksheet_class=...)``). It writes exactly the XML XlsxWriter's own
:class:`~xlsxwriter.worksheet.Worksheet` writes (``tests/workbook/test_fast_sheet.py`` compares them
byte for byte), with two savings:

- **a formula's text is prepared once per workbook**: XlsxWriter runs some thirty regular
  expressions over every formula (``_prepare_formula``: dynamic-array function prefixes); every
  CSM tab has the same formulas, so the prepared text is kept by formula (a pure function of it);
- **a formatted number, text, formula or blank cell is written in one step** at ``close()``
  (``_write_cell``): the reference and the format index never need XML escaping, so the
  attribute list, its escaping (which raises and catches a ``TypeError`` for the format index)
  and the per-type dispatch are skipped. Every other cell goes through XlsxWriter's own code.

Should a future XlsxWriter rename these internals, the overrides are simply not called and the
output is XlsxWriter's own, only slower.
"""

from __future__ import annotations

from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import (
    CellBlankTuple,
    CellFormulaTuple,
    CellNumberTuple,
    CellStringTuple,
    Worksheet,
)

__all__ = ["FastWorksheet"]

_ERROR_CODES = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"))


def _escape_data(text: str) -> str:
    """XlsxWriter's escaping of element data (double quotes are left as they are)."""
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


class FastWorksheet(Worksheet):  # type: ignore[misc]
    """A worksheet that prepares each formula text once and writes common cells in one step."""

    def __init__(self) -> None:
        super().__init__()
        # formula -> prepared text; write_workbook gives every sheet of a workbook the same dict
        self.prepared_formulas: dict[str, str] = {}

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> Any:
        if expand_future_functions or self.use_future_functions:
            return super()._prepare_formula(formula, expand_future_functions)
        prepared = self.prepared_formulas.get(formula)
        if prepared is None:
            prepared = self.prepared_formulas[formula] = super()._prepare_formula(formula)
        return prepared

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        kind = cell.__class__
        cell_format = cell.format
        if cell_format is None or self.constant_memory or kind not in _FAST_KINDS:
            super()._write_cell(row, col, cell)
            return
        head = f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell_format._get_xf_index()}"'
        if kind is CellNumberTuple:
            self.fh.write(f"{head}><v>{cell.number:.16G}</v></c>")
        elif kind is CellStringTuple:
            self.fh.write(f'{head} t="s"><v>{cell.string}</v></c>')
        elif kind is CellFormulaTuple:
            value = cell.value
            if isinstance(value, bool):
                head += ' t="b"'
                value = 1 if value else 0
            elif isinstance(value, str):
                if value in _ERROR_CODES:
                    head += ' t="e"'
                elif value:
                    head += ' t="str"'
                value = _escape_data(value)
            self.fh.write(f"{head}><f>{_escape_data(cell.formula)}</f><v>{value}</v></c>")
        else:  # CellBlankTuple
            self.fh.write(f"{head}/>")


_FAST_KINDS = frozenset((CellNumberTuple, CellStringTuple, CellFormulaTuple, CellBlankTuple))
