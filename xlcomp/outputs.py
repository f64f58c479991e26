"""Writing outputs safely: every file goes to a temporary name first and is renamed into place,
so an interrupted or failed run leaves nothing half-written; and the SPEC's CSV files."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from xlcomp.engine.collector import collector_paused
from xlcomp.engine.run import PAYOUT_COLUMNS, SUMMARY_COLUMNS, CsmResults, RunResult, proration_of, spread
from xlcomp.errors import UsageError
from xlcomp.model.metrics import text_places
from xlcomp.money import exactly, fmt_decimal, fmt_decimals

__all__ = ["OutputSet", "atomic_path", "check_out_file", "check_out_folder", "csv_text", "escape_text", "payouts_csv",
           "summary_csv", "write_atomic"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _file_mode() -> int:
    """The mode a plain ``open(..., "w")`` would give: 0o666 less the umask (mkstemp makes 0o600)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


_MODE = _file_mode()


def escape_text(value: str) -> str:
    """Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) gets a ``'``."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _check_parents(path: Path, option: str) -> None:
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f'{option} "{path}": "{parent}" is a file, not a folder')
            return


def check_out_folder(path: str | Path, option: str = "--out") -> None:
    """Raise :class:`UsageError` unless ``path`` is a folder or can be made one (before any work is done)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UsageError(f'{option} "{path}" is a file: name a folder (it is created when missing)')
    _check_parents(path, option)


def check_out_file(path: str | Path, option: str = "--out") -> None:
    """Raise :class:`UsageError` when ``path`` is a folder or lies under a file (an existing file is replaced)."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(f'{option} "{path}" is a folder: name the file to write')
    _check_parents(path, option)


def _temporary_beside(target: Path) -> Path:
    """A new empty temporary file in ``target``'s folder (created when missing), to be renamed onto it.
    Raises :class:`UsageError` naming the output when the folder cannot be made or written in."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        _check_parents(target, "the output")
        raise UsageError(f'cannot write "{target}": "{target.parent}" is a file, not a folder') from None
    except OSError as exc:
        raise UsageError(f'cannot write "{target}": the folder "{target.parent}" cannot be created '
                         f"({exc.strerror or exc})") from None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise UsageError(f'cannot write "{target}": nothing can be written in "{target.parent}" '
                         f"({exc.strerror or exc})") from None
    os.close(fd)
    return Path(name)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` when the block succeeds."""
    target = Path(path)
    temp = _temporary_beside(target)
    try:
        yield temp
        os.chmod(temp, _MODE)
        os.replace(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    with atomic_path(path) as temp:
        if isinstance(data, str):
            temp.write_text(data, encoding="utf-8", newline="")
        else:
            temp.write_bytes(data)


class OutputSet:
    """Several outputs that appear together or not at all.

    Each :meth:`add` writes a temporary file at once; :meth:`commit` renames them all into place.
    Leaving the ``with`` block without committing (an error) removes the temporaries.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    def path(self, target: str | Path) -> Path:
        """A temporary path to write ``target``'s content to."""
        target = Path(target)
        temp = _temporary_beside(target)
        self._pending.append((temp, target))
        return temp

    def add(self, target: str | Path, data: str | bytes | Callable[[Path], object]) -> None:
        """Stage ``data`` (text, bytes, or a function writing to the path it is given) for ``target``."""
        temp = self.path(target)
        if callable(data):
            data(temp)
        elif isinstance(data, str):
            temp.write_text(data, encoding="utf-8", newline="")
        else:
            temp.write_bytes(data)

    def commit(self) -> list[Path]:
        """Rename every staged file into place; returns the targets."""
        for _, target in self._pending:  # all or nothing: check every target before renaming one
            if target.is_dir():
                raise UsageError(f'cannot write "{target}": a folder has that name')
        done = []
        for temp, target in self._pending:
            os.chmod(temp, _MODE)
            os.replace(temp, target)
            done.append(target)
        self._pending.clear()
        return done

    def discard(self) -> None:
        """Remove every staged temporary file."""
        for temp, _ in self._pending:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        self._pending.clear()

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


def csv_text(columns: Iterable[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """CSV text (RFC 4180, \\n line ends) with formula-like text escaped."""
    buffer = io.StringIO()
    write_csv(buffer, columns, rows)
    return buffer.getvalue()


def write_csv(handle: IO[str], columns: Iterable[str], rows: Iterable[Mapping[str, Any]]) -> None:
    """Write rows as CSV to an open text handle."""
    columns = list(columns)
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return fmt_decimal(value)
    if isinstance(value, str):
        # a formatted amount (a clawback's "-300.00") is a number to a spreadsheet, not a formula
        return value if _PLAIN_NUMBER.fullmatch(value) else escape_text(value)
    return str(value)


ZERO = Decimal(0)
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def payout_records(result: RunResult) -> Iterator[dict[str, str]]:
    """payouts.csv rows as the text they are written with (amounts with 2 decimals)."""
    for values in _payout_texts(result):
        yield dict(zip(PAYOUT_COLUMNS, values, strict=True))


def _payout_texts(result: RunResult) -> Iterator[list[str]]:
    """payouts.csv rows as lists of their texts, in the order of ``PAYOUT_COLUMNS``."""
    inputs = set(result.plan.inputs)
    places: dict[str, int | None] = {}
    for row in result.payout_rows():
        if row["kind"] == "adjustment":
            yield [escape_text(row["csm_id"]), row["component"], row["kind"], "", "", "", "", "", "", "",
                   fmt_decimal(row["payout"], 2), escape_text(row["note"])]
            continue
        component_id = row["component"]
        if component_id not in places:
            places[component_id] = text_places(result.plan.component(component_id).metric, inputs)
        actual_places = places[component_id]
        target_places = actual_places  # a rate target with 6 decimals, a quota with 2, as the actual
        yield [
            escape_text(row["csm_id"]), component_id, row["kind"], row["metric"],
            fmt_decimal(row["actual"], actual_places),
            fmt_decimal(row["target"], target_places),
            fmt_decimal(row["attainment"], 6),
            fmt_decimal(row["share"], 6),
            fmt_decimal(row["target_incentive"], 2),
            fmt_decimal(row["multiplier"]),
            fmt_decimal(row["payout"], 2),
            escape_text(row["note"]),
        ]


def summary_records(result: RunResult) -> Iterator[dict[str, str]]:
    """summary.csv rows as text."""
    for row in result.summary_rows():
        yield {
            "csm_id": escape_text(row["csm_id"]), "name": escape_text(row["name"]),
            "base_salary": fmt_decimal(row["base_salary"], 2),
            "target_variable": fmt_decimal(row["target_variable"], 2),
            "proration": fmt_decimal(row["proration"], 6),
            "payout_total": fmt_decimal(row["payout_total"], 2),
        }


def _payout_text_columns(result: RunResult) -> list[list[str]] | None:
    """payouts.csv's columns as their texts (:func:`_payout_texts`' values, a column at a time: each component's
    formatted with its places, then spread CSM by CSM), the names of a component escaped as a CSV cell; None when
    the run did not keep its results by component (adjustment lines, a merged run): its rows are then made one by
    one."""
    if not result.only_component_lines():
        return None
    parts = result.component_columns()
    components = result.plan.components
    k, n = len(parts), len(result.csms)
    if not k or not n:
        return [[] for _ in PAYOUT_COLUMNS]
    inputs = set(result.plan.inputs)
    escaped: dict[str, str] = {}
    ids = [escaped[i] if i in escaped else escaped.setdefault(i, escape_text(i)) for i in parts[0]["csm_id"]]
    texts: dict[str, list[list[str]]] = {name: [] for name in PAYOUT_COLUMNS}
    for component, part in zip(components, parts, strict=True):
        places = text_places(component.metric, inputs)
        for name, cell in (("component", component.id), ("kind", component.kind.value), ("metric", component.metric)):
            texts[name].append([_cell(cell)] * n)
        for name, digits in (("actual", places), ("target", places), ("attainment", 6), ("share", 6),
                             ("target_incentive", 2), ("multiplier", None), ("payout", 2)):
            texts[name].append(fmt_decimals(part[name], digits))
        texts["note"].append([escape_text(note) if note else "" for note in part["note"]])
    texts["csm_id"] = [ids] * k
    return [spread(texts[name], k * n) for name in PAYOUT_COLUMNS]


@collector_paused()
def payouts_csv(result: RunResult) -> str:
    """The SPEC's payouts.csv (the text :func:`csv_text` writes of :func:`payout_records`, built a column at a
    time when the run kept its results by component, else row by row as lists: texts already escaped stay as
    they are, numbers are plain, the names of a component are escaped once per component)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PAYOUT_COLUMNS)
    texts = _payout_text_columns(result)
    if texts is not None:
        writer.writerows(zip(*texts, strict=True))
        return buffer.getvalue()
    names: dict[tuple[str, str, str], tuple[str, str, str]] = {}
    rows = []
    for values in _payout_texts(result):
        key = (values[1], values[2], values[3])
        if key not in names:
            names[key] = (_cell(key[0]), _cell(key[1]), _cell(key[2]))
        values[1], values[2], values[3] = names[key]
        rows.append(values)
        if len(rows) == 4096:
            writer.writerows(rows)
            rows.clear()
    writer.writerows(rows)
    return buffer.getvalue()


@exactly
def _summary_text_columns(result: RunResult) -> list[list[str]] | None:
    """summary.csv's columns as their texts (:func:`summary_records`' values, a column at a time: each CSM's
    total the Σ of its component payouts, in plan order); None when the run did not keep its results by
    component and its days."""
    csms = result.csms
    if not isinstance(csms, CsmResults):
        return None
    payouts, employed = csms.payouts, csms.days
    if payouts is None or employed is None:
        return None
    people = result.roster.csms
    totals = [ZERO] * len(people)
    for column in payouts:
        totals = [total + payout for total, payout in zip(totals, column, strict=True)]
    prorations = {days: fmt_decimal(proration_of(days, csms.period_days), 6) for days in set(employed)}
    return [[escape_text(csm.csm_id) for csm in people], [escape_text(csm.name) for csm in people],
            fmt_decimals([csm.base_salary for csm in people], 2),
            fmt_decimals([csm.target_variable for csm in people], 2),
            [prorations[days] for days in employed], fmt_decimals(totals, 2)]


@collector_paused()
def summary_csv(result: RunResult) -> str:
    """The SPEC's summary.csv (the text :func:`csv_text` writes of :func:`summary_records`, a column at a time
    when the run kept its results by component: its texts are escaped, its numbers plain, so they are written as
    they are)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SUMMARY_COLUMNS)
    texts = _summary_text_columns(result)
    if texts is not None:
        writer.writerows(zip(*texts, strict=True))
    else:
        writer.writerows(list(row.values()) for row in summary_records(result))
    return buffer.getvalue()
