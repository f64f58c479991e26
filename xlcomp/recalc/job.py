"""Recalculating one upload: the per-file work of ``xlcomp recalc``, the same in a local process
pool and on a Dask cluster.

:func:`recalc_upload` takes an :class:`UploadJob` (the upload's bytes, never its path: a worker
may be another machine) and returns a :class:`FileResult`: the report entry, the payout rows and
the regenerated workbook's bytes. It never raises: whatever goes wrong with a file becomes a
``rejected`` entry with a message, so one bad file never stops a batch. It writes no file: the
upload is read from its bytes and the regenerated workbook is built in memory.

Steps: reading (:func:`read_for_recalc`: the safety checks of :mod:`.safety`, then :mod:`.upload`
through one :class:`~xlcomp.recalc.package.UploadPackage`, each part of the upload read
once), the engine run (:func:`xlcomp.engine.run`), the regenerated workbook
(:func:`xlcomp.workbook.writer.workbook_bytes`), and for an xlcomp workbook the comparison of the
upload with it (:mod:`.upload_compare`, from what reading kept): overrides (formula cells typed
over or changed) and differences (cached values against the engine's).
"""

from __future__ import annotations

import decimal
import gc
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from xlcomp import money
from xlcomp.engine.collector import collector_paused
from xlcomp.engine.run import run
from xlcomp.engine.versions import run_versions
from xlcomp.errors import Problem, ProblemsError, XlcompError
from xlcomp.outputs import escape_text, payout_records
from xlcomp.recalc.compare import compare_workbooks
from xlcomp.recalc.intake import DEFAULT_LIMITS, Intake, Limits, inspect_upload
from xlcomp.recalc.outcome import (
    STATUS_INPUTS_CHANGED,
    STATUS_OK,
    STATUS_OVERRIDDEN,
    STATUS_REJECTED,
    STATUSES,
    discard_overrides,
    status_of,
    totals_rows,
    workbook_totals,
)
from xlcomp.recalc.package import UploadPackage
from xlcomp.recalc.read import KIND_XLCOMP, UploadInputs, read_upload
from xlcomp.workbook import layout
from xlcomp.workbook.writer import workbook_bytes

__all__ = ["STATUSES", "STATUS_INPUTS_CHANGED", "STATUS_OK", "STATUS_OVERRIDDEN", "STATUS_REJECTED", "FileResult",
           "ReadUpload", "RecalcOptions", "UploadJob", "read_for_recalc", "recalc_upload"]

_SAFE_STEM = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class RecalcOptions:
    """Options of a batch that every file's work needs (picklable: they travel to workers).

    ``plan_text``/``plan_name``: the YAML of ``--plan`` for workbooks that carry no plan;
    ``period``: ``--period`` for workbooks that name none; ``compare``: look for overrides and
    differences in xlcomp workbooks; ``decimal_comma``: numbers typed as text in input cells use a
    decimal comma (``1.234,50``, ``--decimal-comma``); ``read_ahead``: read an upload's largest sheet on a second
    thread while the rest is checked (off in a pool of several workers, which already keeps the cores busy).
    """

    limits: Limits = DEFAULT_LIMITS
    plan_text: str | None = None
    plan_name: str = "plan.yaml"
    period: str | None = None
    compare: bool = True
    decimal_comma: bool = False
    read_ahead: bool = True

    def fingerprint(self) -> str:
        """A digest of what changes results: a resumed batch redoes files done with other options."""
        from xlcomp import __version__

        fields = asdict(self)
        del fields["read_ahead"]   # how a file is read, not what it gives
        content = json.dumps({**fields, "version": __version__}, sort_keys=True, default=str)
        return hashlib.sha256(content.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class UploadJob:
    """One upload to recalculate: its name as given, the output name, its bytes and their SHA-256.

    ``problem`` is set (and ``data`` None) when the file could not even be read (missing, too
    large, not a regular file).
    """

    file: str
    output: str
    data: bytes | None
    sha256: str
    problem: Problem | None = None


@dataclass
class FileResult:
    """What one upload gave: its report entry, its payouts.csv rows (``source`` first) and the
    regenerated workbook (None when rejected)."""

    entry: dict[str, Any]
    payouts: list[dict[str, str]] = field(default_factory=list)
    workbook: bytes | None = None

    @property
    def status(self) -> str:
        """ok, inputs_changed, overridden or rejected."""
        return str(self.entry["status"])


def _entry(job: UploadJob) -> dict[str, Any]:
    return {"file": job.file, "output": "", "sha256": job.sha256, "status": STATUS_REJECTED, "kind": "",
            "plan": "", "period": "", "csms": 0, "total": "", "totals": [], "problems": [], "warnings": [],
            "plan_edits": [], "overrides": [], "differences": []}


def _problem_dicts(problems: tuple[Problem, ...] | list[Problem], *, parts: bool = False) -> list[dict[str, str]]:
    """Problems as ``{where, message}``; ``parts``: a zip member's name goes into the message, since
    ``where`` names cells (``Sheet!A1``) or is blank."""
    out = []
    for problem in problems:
        item = problem.as_dict()
        if parts and item["where"] and "!" not in item["where"]:
            item = {"where": "", "message": f"{item['where']}: {item['message']}"}
        out.append(item)
    return out


def recalc_upload(job: UploadJob, options: RecalcOptions) -> FileResult:
    """Recalculate one upload; never raises (see the module docstring)."""
    entry = _entry(job)
    try:
        with decimal.localcontext(money.CONTEXT):
            return _recalc(job, options, entry)
    except MemoryError:
        entry["problems"].append({"where": "", "message": "the upload needs more memory than a file may use: "
                                                          "refused"})
    except BaseException as exc:  # a bug or a reader failure (pyo3 panics are BaseExceptions): the batch goes on
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        entry["problems"].append({"where": "", "message": f"could not be processed ({type(exc).__name__}: "
                                                          f"{_short(str(exc))}); nothing was written for it"})
    entry["status"] = STATUS_REJECTED
    return FileResult(entry)


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass
class ReadUpload:
    """What reading an upload gave (:func:`read_for_recalc`): the safety checks' findings, then
    either the upload's inputs and the package holding everything read from it, or the problems
    (``{where, message}``) that reject it."""

    intake: Intake
    inputs: UploadInputs | None = None
    package: UploadPackage | None = None
    problems: list[dict[str, str]] = field(default_factory=list)


def read_for_recalc(data: bytes, options: RecalcOptions, file: str = "upload.xlsx") -> ReadUpload:
    """Everything ``xlcomp recalc`` reads from an upload, each part of it once: the safety checks
    (which decompress every member; the readers reuse those bytes), the plan, period and
    validated inputs, and for an xlcomp workbook to compare, the values, formulas and error cells
    of every sheet the comparison looks at (all but the input tables' sheets, whose values are
    read for the inputs, and the metadata sheet). ``file`` names the upload in problems. Raises
    only on a reader failure (which :func:`recalc_upload` turns into a rejection).
    """
    # reading makes hundreds of thousands of containers and no reference cycle (tests/recalc/test_read_path.py
    # checks it): the collector could only find nothing
    resumes = gc.isenabled()
    with collector_paused():
        return _read(data, options, file, resumes)


def _young_pass() -> None:
    gc.collect(0)


def _read(data: bytes, options: RecalcOptions, file: str, resumes: bool = False) -> ReadUpload:
    intake = inspect_upload(data, options.limits, keep_parts=True, read_ahead=options.read_ahead)
    if not intake.ok:
        return ReadUpload(intake, problems=_problem_dicts(intake.problems, parts=True))
    stem = _SAFE_STEM.sub("_", Path(file).stem).strip(" .") or "upload"
    package = UploadPackage(data, intake.parts, f"{stem[:80]}.{intake.format or 'xlsx'}", intake.ahead,
                            options.compare)
    if resumes:   # the collector's pass over the young containers (the compared sheets' rows), which it makes when
        package.on_idle = _young_pass   # it resumes after the read, made while this thread would wait for the values
    try:
        inputs = read_upload(package, plan_text=options.plan_text, plan_name=options.plan_name,
                             period=options.period, decimal_comma=options.decimal_comma)
        if options.compare and inputs.kind == KIND_XLCOMP:
            index = package.index
            skip = {layout.META_SHEET.lower()} | {table.sheet.lower() for name in (layout.ROSTER_TABLE,
                                                                                   layout.ACCOUNTS_TABLE)
                                                  if (table := index.table(name)) is not None}
            package.read_sheets([sheet.name for sheet in index.sheets if sheet.name.lower() not in skip])
    except ProblemsError as exc:
        package.close()
        return ReadUpload(intake, problems=_problem_dicts(exc.problems))
    except XlcompError as exc:
        package.close()
        return ReadUpload(intake, problems=[{"where": "", "message": str(exc)}])
    except BaseException:
        package.close()
        raise
    return ReadUpload(intake, inputs, package)


def _recalc(job: UploadJob, options: RecalcOptions, entry: dict[str, Any]) -> FileResult:
    if job.problem is not None or job.data is None:
        problem = job.problem or Problem("", "could not be read")
        entry["problems"] = _problem_dicts([problem])
        return FileResult(entry)
    import openpyxl

    if not openpyxl.DEFUSEDXML:  # OPENPYXL_DEFUSEDXML=False in the environment: refuse rather than parse unsafely
        entry["problems"] = [{"where": "", "message": "openpyxl is configured not to use defusedxml "
                                                      "(OPENPYXL_DEFUSEDXML=False): uploads are not read"}]
        return FileResult(entry)
    read = read_for_recalc(job.data, options, job.file)
    entry["warnings"] = _problem_dicts(read.intake.warnings, parts=True)
    if read.inputs is None or read.package is None:
        entry["problems"] = read.problems
        return FileResult(entry)
    inputs = read.inputs
    try:
        entry.update(kind=inputs.kind, plan=inputs.plan.id, period=inputs.period.label)
        entry["warnings"] += _problem_dicts(inputs.warnings)
        entry["plan_edits"] = [edit.as_dict() for edit in inputs.edits]
        try:
            if inputs.versions:   # a period split by plan versions, computed as calc does
                result = run_versions(inputs.versions, inputs.roster, inputs.book, inputs.period,
                                      adjustments=inputs.adjustments, changes=inputs.changes, credits=inputs.credits)
            else:
                result = run(inputs.plan, inputs.roster, inputs.book, inputs.period, adjustments=inputs.adjustments,
                             changes=inputs.changes, credits=inputs.credits)
        except ProblemsError as exc:
            entry["problems"] = _problem_dicts(exc.problems)
            return FileResult(entry)
        except XlcompError as exc:
            entry["problems"] = [{"where": "", "message": str(exc)}]
            return FileResult(entry)
        entry["csms"] = len(result.csms)
        entry["warnings"] += _problem_dicts([Problem("", note) for note in result.notes])   # SPIF windows
        entry["total"] = money.fmt_decimal(result.total, 2)
        rows = [{"source": escape_text(job.file), **row} for row in payout_records(result)]
        try:
            workbook = workbook_bytes(result)
        except ProblemsError as exc:  # inputs a workbook cannot hold (csm_ids Excel cannot tell apart)
            entry["problems"] = _problem_dicts(exc.problems)
            return FileResult(entry)
        if workbook is not None and options.compare and inputs.kind == KIND_XLCOMP:
            _compare(read.package, workbook, inputs.tabs, entry)
            entry["overrides"] = discard_overrides(entry["overrides"], entry["differences"], inputs.plan.currency)
        cached = workbook_totals(read.package) if inputs.kind == KIND_XLCOMP else {}
        entry["totals"] = totals_rows(((c.csm.csm_id, c.total) for c in result.csms), inputs.issued, cached)
        entry["output"] = job.output if workbook is not None else ""
        entry["status"] = status_of(entry, grown_tables=inputs.grown_rows > 0)
        return FileResult(entry, rows, workbook)
    finally:
        read.package.close()


def _compare(upload: UploadPackage, regenerated: bytes, tabs: tuple[tuple[str, str], ...],
             entry: dict[str, Any]) -> None:
    comparison = compare_workbooks(upload, regenerated, tabs)
    entry["overrides"] = [o.as_dict() for o in comparison.overrides]
    entry["differences"] = [d.as_dict() for d in comparison.differences]
    entry["warnings"] += _problem_dicts(comparison.warnings)
