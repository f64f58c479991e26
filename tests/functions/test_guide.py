"""Generated workbooks say on their Guide sheet how to get the worksheet functions."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from tests.workbook.conftest import preset_plan, sample_run
from xlcomp.workbook import layout
from xlcomp.workbook.sheets.guide import FUNCTION_NOTES
from xlcomp.workbook.writer import write_workbook


def test_the_guide_says_how_to_get_the_functions(tmp_path: Path) -> None:
    result = sample_run(preset_plan("full_service"))
    path = write_workbook(result, tmp_path / "book.xlsx")
    guide = openpyxl.load_workbook(path)[layout.SHEET_GUIDE]
    texts = [cell.value for row in guide.iter_rows() for cell in row if isinstance(cell.value, str)]
    start = texts.index("Worksheet functions")
    assert texts[start + 1:start + 1 + len(FUNCTION_NOTES)] == list(FUNCTION_NOTES)
    block = " ".join(FUNCTION_NOTES)
    for route in ("xlcomp lite", "xlcomp serve", "xlcomp.udfs", "docs/functions.md"):
        assert route in block
    assert "=CSM_TIERED" in block
