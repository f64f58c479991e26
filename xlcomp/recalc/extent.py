"""How much of Excel's grid a worksheet's cells span: the area a spreadsheet reader would allocate.

Fed the worksheet XML in chunks as the intake decompresses it; see :class:`SheetExtent`. A1
helpers (column letters and numbers, declared ``<dimension>`` areas) for the intake's messages.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["DEFAULT_MAX_CELLS"]

DEFAULT_MAX_CELLS = 5_000_000
EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384
# a row or cell start tag; the common form (r first, plain A1) is captured directly
_TOKEN = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])(?:\s+r="([A-Z]{0,3})([0-9]{1,7})")?([^>]*?)(/?)>""")
_R_ATTR = re.compile(rb"""(?<![\w:.-])r\s*=\s*["']([^"']*)["']""")
CELL_REF = re.compile(rb"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_COLUMN_NUMBERS: dict[bytes, int] = {}
DIMENSION = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?\bref\s*=\s*["']([^"']{1,64})["']""")


class NeedExactError(Exception):
    """The quick extent check met a cell it cannot vouch for: the worksheet is scanned cell by cell."""


class SheetExtent:
    """Tracks the area a spreadsheet reader would allocate for a worksheet: the cells with content,
    from the topmost-leftmost to the bottommost-rightmost.

    Quick mode (``exact=False``): a worksheet that declares a used range (``<dimension>``, which
    every spreadsheet program writes) is checked against a box a little larger than it, of at
    most ``max_cells`` cells inside Excel's grid: a few regular-expression searches over the XML
    prove that every row and cell tag has the plain form (``<row r="7"``, ``<c r="B7"``) and lies
    in the box, so the area is within the limit without visiting each cell in Python. Any tag in
    another form or outside the box raises :class:`NeedExactError`, and the worksheet is scanned
    again cell by cell (the exact area, which the messages report).
    """

    def __init__(self, max_cells: int = DEFAULT_MAX_CELLS, exact: bool = True) -> None:
        self.row = 0
        self.column = 0
        self.top = self.left = 1 << 30
        self.bottom = self.right = 0
        self.out_of_grid = ""
        self.declared = ""  # the <dimension ref> the sheet declares
        self.max_cells = max_cells
        self.exact = exact
        self.fed = False
        self.quick: tuple[re.Pattern[bytes], re.Pattern[bytes]] | None = None

    def feed(self, chunk: bytes | memoryview) -> None:
        if not self.fed:
            self.fed = True
            if not self.exact:
                self.quick = quick_checks(self.declared, self.max_cells)
                if self.quick is None:
                    raise NeedExactError
        if self.quick is not None:
            cells, rows = self.quick
            if cells.search(chunk) or rows.search(chunk) or _PREFIXED_TAG.search(chunk):
                raise NeedExactError
            return
        row, column = self.row, self.column
        top, bottom, left, right = self.top, self.bottom, self.left, self.right
        columns = _COLUMN_NUMBERS
        for kind, letters, digits, attrs, empty in _TOKEN.findall(chunk):
            if letters or digits:
                ref: bytes | None = letters + digits
            else:
                found = _R_ATTR.search(attrs)
                ref = found.group(1) if found else None
            if kind == b"row":
                row = self._int(ref) if ref else row + 1
                column = 0
                if row > EXCEL_ROWS and not self.out_of_grid:
                    self.out_of_grid = f"row {row}"
                continue
            if ref:
                if letters and digits:
                    name, number = letters, digits
                else:
                    cell = CELL_REF.fullmatch(ref)
                    if cell is None:
                        if not self.out_of_grid:
                            self.out_of_grid = f'cell reference "{ref.decode("ascii", "replace")[:20]}"'
                        continue
                    name, number = cell.group(1).upper(), cell.group(2)
                column = columns.get(name) or columns.setdefault(name, column_number(name))
                row = self._int(number)
            else:
                column += 1
            if column > EXCEL_COLUMNS or row > EXCEL_ROWS:
                if not self.out_of_grid:
                    self.out_of_grid = f"cell at row {row}, column {column}"
                continue
            if empty:
                continue  # a formatted but empty cell: readers skip it
            # plain comparisons: this loop runs once per cell, and min()/max() calls cost twice as much
            if row < top:  # noqa: PLR1730
                top = row
            if row > bottom:  # noqa: PLR1730
                bottom = row
            if column < left:  # noqa: PLR1730
                left = column
            if column > right:  # noqa: PLR1730
                right = column
        self.row, self.column = row, column
        self.top, self.bottom, self.left, self.right = top, bottom, left, right

    @staticmethod
    def _int(text: bytes) -> int:
        return int(text) if text.isdigit() and len(text) < 10 else EXCEL_ROWS + 1

    @property
    def area(self) -> int:
        """Rows times columns of the used range (0 when no cell has content)."""
        if not self.bottom:
            return 0
        return (self.bottom - self.top + 1) * (self.right - self.left + 1)

    def used_range(self) -> str:
        """The used range in A1 notation."""
        return f"{column_letters(self.left)}{self.top}:{column_letters(self.right)}{self.bottom}"


_PREFIXED_TAG = re.compile(rb":(?:c|row)[\s/>]")  # a cell or row tag with a namespace prefix (or text like it)


@lru_cache(maxsize=64)
def quick_checks(declared: str, max_cells: int) -> tuple[re.Pattern[bytes], re.Pattern[bytes]] | None:
    """Searches that find a cell or row tag not in the plain form or outside a box around the
    declared used range; None when the box would exceed ``max_cells`` or Excel's grid.

    The box: rows up to the bottom row's digit count with its first digit (``50001`` gives rows
    up to 59999), columns up to its letter count with its first letter (``Q`` gives A:Q, ``AB``
    gives A:AZ, ``CD`` gives A:CZ).
    """
    first, _, last = declared.strip().partition(":")
    corners = [CELL_REF.fullmatch(part.encode()) for part in (first, last or first)]
    if not all(corners):
        return None
    bottom = max(int(c.group(2)) for c in corners if c)
    right = max(column_number(c.group(1).upper()) for c in corners if c)
    digits, letters = str(bottom), column_letters(right)
    if not bottom or not right:
        return None
    rows = (int(digits[0]) + 1) * 10 ** (len(digits) - 1) - 1
    columns = column_number((letters[0] + "Z" * (len(letters) - 1)).encode())
    if rows > EXCEL_ROWS or columns > EXCEL_COLUMNS or rows * columns > max_cells:
        return None
    row_pattern = f"[0-{digits[0]}]" if len(digits) == 1 else f"[0-{digits[0]}]?[0-9]{{1,{len(digits) - 1}}}"
    column_pattern = f"[A-{letters[0]}]" if len(letters) == 1 else \
        f"(?:[A-Z]{{1,{len(letters) - 1}}}|[A-{letters[0]}][A-Z]{{{len(letters) - 1}}})"
    cells = re.compile(f'<c(?! r="{column_pattern}{row_pattern}")[\\s/>]'.encode())
    row_tags = re.compile(f'<row(?! r="{row_pattern}")[\\s/>]'.encode())
    return cells, row_tags


def column_number(letters: bytes) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + char - 64
    return number


def column_letters(number: int) -> str:
    text = ""
    while number:
        number, rem = divmod(number - 1, 26)
        text = chr(65 + rem) + text
    return text



def declared_area(reference: str) -> int:
    """Cells in a declared ``A1:XFD1048576`` range (0 when there is none or it does not parse)."""
    first, _, last = reference.strip().partition(":")
    corners = [CELL_REF.fullmatch(part.encode()) for part in (first, last or first)]
    if not all(corners):
        return 0
    (top_letters, top), (bottom_letters, bottom) = ((c.group(1).upper(), int(c.group(2))) for c in corners if c)
    width = abs(column_number(bottom_letters) - column_number(top_letters)) + 1
    return (abs(bottom - top) + 1) * width

