"""A stand-in for the ``xlwings`` module that xlwings Lite provides: its decorators record what they are
given (as xlwings does, on ``__xlfunc__`` and ``__xlscript__``) and leave the function as it is; ``Book``
models an open workbook for the task-pane scripts (below)."""

import datetime as _dt
import inspect
import re as _re
import typing

_REF = _re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]+)$")
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
        # xlwings Lite passes the open workbook to the one parameter annotated xlwings.Book (else, at the call:
        # "No xlwings.Book found in your function arguments!")
        hints = typing.get_type_hints(f)
        books = [name for name in inspect.signature(f).parameters if hints.get(name) is Book]
        if len(books) != 1:
            raise Exception("No xlwings.Book found in your function arguments!")
        f.__xlscript__ = dict(options)
        SCRIPTS[f.__name__] = f
        return f
    return inner if f is None else inner(f)


# -- the book API the task-pane scripts use ----------------------------------------------------------
# A model of an open workbook, built from a real .xlsx (tests/lite/book_model.py reads it with openpyxl:
# every cell's value as Excel last calculated it, its formula, each table's range, each sheet's protection).
# It behaves as xlwings Lite's book does (xlwings' remote engine): a script reads values only (``.formula``
# raises NotImplementedError there too); writing a text that starts with "=" enters a formula, whose value is
# unknown until Excel calculates after the script; writing into a protected sheet fails, as Office.js does.
# ``book.actions`` records every change in order, for the tests to apply to the .xlsx and recalculate.


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
    """An open workbook: ``book.sheets[name]``; ``actions`` lists every change a script made."""

    def __init__(self, model=None):
        self.actions = []
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

    def add(self, before=None, after=None, name=None):
        name = name or f"Sheet{len(self._sheets) + 1}"
        self.book.actions.append(["add", name])
        return self._add(name, {"cells": {}, "tables": {}})


class Sheet:
    def __init__(self, book, name, model):
        self.book, self.name = book, name
        self.protected = bool(model.get("protected"))
        self.cells_ = {}
        for ref, cell in model.get("cells", {}).items():
            self.cells_[_split(ref)] = {"value": _decode(cell.get("value")), "formula": cell.get("formula")}
        self.tables = Tables(self, model.get("tables", {}))

    def range(self, first, last=None):
        r0, c0 = _split(first.split(":")[0])
        r1, c1 = _split(last or first.split(":")[-1])
        return Range(self, r0, c0, r1, c1)

    def __getitem__(self, ref):
        return self.range(ref)

    @property
    def cells(self):
        return Range(self, 1, 1, 1_048_576, 16_384)

    def clear_contents(self):
        self.cells.clear_contents()


class Tables:
    def __init__(self, sheet, model):
        self._tables = {name: Table(sheet, name, info["ref"], info.get("totals", 0)) for name, info in model.items()}

    def __getitem__(self, name):
        if isinstance(name, int):
            return list(self._tables.values())[name]
        return self._tables[name]

    def __iter__(self):
        return iter(list(self._tables.values()))


class Table:
    def __init__(self, sheet, name, ref, totals=0):
        self.name = name
        self._sheet = sheet
        self._totals = totals  # rows of totals at the bottom, outside the data body (as in Excel)
        self.range = sheet.range(ref)

    @property
    def header_row_range(self):
        r = self.range
        return Range(self._sheet, r.row, r.column, r.row, r.last_column)

    @property
    def data_body_range(self):
        r = self.range
        last = r.last_row - self._totals
        if last == r.row:
            return None
        return Range(self._sheet, r.row + 1, r.column, last, r.last_column)


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
        return self.sheet.cells_.get((row, column), {"value": None, "formula": None})

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

    def _writable(self):
        if self.sheet.protected:
            raise RuntimeError(f"The cell or chart you're trying to change is on a protected sheet ({self.sheet.name})")

    @value.setter
    def value(self, data):
        self._writable()
        rows = data if isinstance(data, list) and data and isinstance(data[0], list) else \
            [data] if isinstance(data, list) else [[data]]
        for i, row in enumerate(rows):
            for j, item in enumerate(row):
                where = (self.row + i, self.column + j)
                if isinstance(item, str) and item.startswith("="):
                    self.sheet.cells_[where] = {"value": None, "formula": item}  # calculated after the script
                elif isinstance(item, str) and item.startswith("'"):
                    self.sheet.cells_[where] = {"value": item[1:], "formula": None}  # "'" keeps a text a text
                else:
                    self.sheet.cells_[where] = {"value": item, "formula": None}
                self.sheet.book.actions.append(["value", self.sheet.name, f"{_letters(where[1])}{where[0]}", item])

    @property
    def formula(self):
        raise NotImplementedError("xlwings Lite reads values only")

    def clear_contents(self):
        self._writable()
        inside = [key for key in self.sheet.cells_
                  if self.row <= key[0] <= self.last_row and self.column <= key[1] <= self.last_column]
        for key in inside:
            del self.sheet.cells_[key]
        self.sheet.book.actions.append(["clear", self.sheet.name, self.address.replace("$", "")])
