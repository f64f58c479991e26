"""A stand-in for the ``xlwings`` module that xlwings Lite provides: its decorators record what they are
given (as xlwings does, on ``__xlfunc__`` and ``__xlscript__``) and leave the function as it is; ``Book``
models an open workbook for the task-pane scripts (below)."""

import datetime as _dt
import re as _re

FUNCTIONS = {}
SCRIPTS = {}


def _meta(f):
    if not hasattr(f, "__xlfunc__"):
        f.__xlfunc__ = {"name": f.__name__, "args": {}, "ret": {}}
        FUNCTIONS[f.__name__] = f
    return f.__xlfunc__


def func(f=None, **options):
    def inner(f):
        _meta(f).update(options)
        return f
    return inner if f is None else inner(f)


def arg(name, convert=None, **options):
    def inner(f):
        if name not in f.__code__.co_varnames[:f.__code__.co_argcount]:
            raise Exception(f"Invalid argument name '{name}'.")
        _meta(f)["args"][name] = dict(options, convert=convert)
        return f
    return inner


def ret(convert=None, **options):
    def inner(f):
        _meta(f)["ret"] = dict(options, convert=convert)
        return f
    return inner


def script(f=None, **options):
    def inner(f):
        f.__xlscript__ = dict(options)
        SCRIPTS[f.__name__] = f
        return f
    return inner if f is None else inner(f)


# -- the book API the task-pane scripts use ----------------------------------------------------------
# A model of an open workbook, built from a real .xlsx (tests/lite/book_model.py reads it with openpyxl:
# every cell's value as Excel last calculated it, and its formula). As in Excel, a cell holds a formula
# or a constant; reading ``.formula`` of a constant gives the constant as text. Writing a formula keeps
# the value last calculated (nothing recalculates here): the tests read what a script wrote.


_REF = _re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]+)$")


def _split(ref):
    match = _REF.match(ref.strip().upper())
    if match is None:
        raise ValueError(f"not a cell reference: {ref!r}")
    letters, digits = match.groups()
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return int(digits), column


def _letters(column):
    out = ""
    while column:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out


def _decode(value):
    if isinstance(value, dict) and "datetime" in value:
        return _dt.datetime.fromisoformat(value["datetime"])
    return value


class Book:
    """An open workbook: ``book.sheets[name]``; ``writes`` lists every cell a script wrote."""

    def __init__(self, model=None):
        self.writes = []
        self.sheets = Sheets(self)
        for name, sheet in (model or {}).get("sheets", {}).items():
            self.sheets._add(name, sheet)


class Sheets:
    def __init__(self, book):
        self.book = book
        self._sheets = {}

    def _add(self, name, model):
        self._sheets[name] = Sheet(self.book, name, model)
        return self._sheets[name]

    def __getitem__(self, name):
        for key, sheet in self._sheets.items():
            if key.lower() == name.lower():
                return sheet
        raise KeyError(name)

    def __iter__(self):
        return iter(list(self._sheets.values()))

    def __len__(self):
        return len(self._sheets)

    def add(self, name=None, before=None, after=None):
        return self._add(name or f"Sheet{len(self._sheets) + 1}", {"cells": {}, "tables": {}})


class Sheet:
    def __init__(self, book, name, model):
        self.book, self.name = book, name
        self.cells = {}
        for ref, cell in model.get("cells", {}).items():
            self.cells[_split(ref)] = {"value": _decode(cell.get("value")), "formula": cell.get("formula")}
        self.tables = Tables(self, model.get("tables", {}))

    def range(self, first, last=None):
        r0, c0 = _split(first.split(":")[0])
        r1, c1 = _split(last or first.split(":")[-1])
        return Range(self, r0, c0, r1, c1)

    def __getitem__(self, ref):
        return self.range(ref)

    def clear_contents(self):
        self.cells.clear()


class Tables:
    def __init__(self, sheet, model):
        self._tables = {name: Table(sheet, name, info["ref"]) for name, info in model.items()}

    def __getitem__(self, name):
        if isinstance(name, int):
            return list(self._tables.values())[name]
        return self._tables[name]

    def __iter__(self):
        return iter(list(self._tables.values()))


class Table:
    def __init__(self, sheet, name, ref):
        self.sheet, self.name = sheet, name
        self.range = sheet.range(ref)

    @property
    def header_row_range(self):
        r = self.range
        return Range(self.sheet, r.row, r.column, r.row, r.last_column)

    @property
    def data_body_range(self):
        r = self.range
        if r.last_row == r.row:
            return None
        return Range(self.sheet, r.row + 1, r.column, r.last_row, r.last_column)


class Range:
    """A rectangle of cells: ``.value`` is one value, a list (one row or column) or rows, as in xlwings."""

    def __init__(self, sheet, r0, c0, r1, c1, ndim=None):
        self.sheet, self.row, self.column, self.last_row, self.last_column = sheet, r0, c0, r1, c1
        self.ndim = ndim

    @property
    def address(self):
        first = f"${_letters(self.column)}${self.row}"
        last = f"${_letters(self.last_column)}${self.last_row}"
        return first if first == last else f"{first}:{last}"

    def options(self, ndim=None, **_):
        return Range(self.sheet, self.row, self.column, self.last_row, self.last_column, ndim)

    def _cell(self, row, column):
        return self.sheet.cells.get((row, column), {"value": None, "formula": None})

    @property
    def value(self):
        rows = [[self._cell(r, c)["value"] for c in range(self.column, self.last_column + 1)]
                for r in range(self.row, self.last_row + 1)]
        if self.ndim == 2:
            return rows
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        if len(rows) == 1:
            return rows[0]
        if all(len(row) == 1 for row in rows):
            return [row[0] for row in rows]
        return rows

    @value.setter
    def value(self, data):
        rows = data if isinstance(data, list) and data and isinstance(data[0], list) else \
            [data] if isinstance(data, list) else [[data]]
        for i, row in enumerate(rows):
            for j, item in enumerate(row):
                where = (self.row + i, self.column + j)
                self.sheet.cells[where] = {"value": item, "formula": None}
                self.sheet.book.writes.append((self.sheet.name, f"{_letters(where[1])}{where[0]}", "value", item))

    @property
    def formula(self):
        cell = self._cell(self.row, self.column)
        if cell["formula"]:
            return cell["formula"]
        value = cell["value"]
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    @formula.setter
    def formula(self, text):
        cell = dict(self._cell(self.row, self.column))
        if isinstance(text, str) and text.startswith("="):
            cell["formula"] = text
        else:
            cell = {"value": text, "formula": None}
        self.sheet.cells[(self.row, self.column)] = cell
        self.sheet.book.writes.append((self.sheet.name, f"{_letters(self.column)}{self.row}", "formula", text))
