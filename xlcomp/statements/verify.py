"""``xlcomp verify``: recompute a statement from its inputs and say whether it still holds.

A statement (HTML or PDF) carries its record: the plan's YAML, the CSM's roster row and accounts,
their hashes, the issue date and every figure shown. Verifying

1. checks that the embedded plan and inputs still match their hashes (nobody edited them),
2. recomputes the CSM's payouts with today's engine, from the embedded inputs or, when given, from
   current plan, roster and accounts files,
3. compares every figure: the record's, the page's (``data-field`` elements of the HTML) and, when
   the statement was made by this version of xlcomp, every line of visible text (HTML text, or the
   PDF's text through ``pdftotext``).

The statement holds when nothing differs.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from xlcomp._version import __version__
from xlcomp.engine.versions import run_versions
from xlcomp.errors import InputError, PlanError, Problem, UsageError
from xlcomp.load.changes import load_dating
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan import load_plan, parse_plan
from xlcomp.load.plan_versions import union_plan
from xlcomp.load.sources import TableSource
from xlcomp.model.credit import Credits
from xlcomp.model.ledger_lines import LedgerPanel
from xlcomp.model.people import Book, Roster
from xlcomp.model.period import parse_period
from xlcomp.model.plan import Plan
from xlcomp.money import exactly
from xlcomp.statements.credit import credit_table
from xlcomp.statements.dating import versions_of
from xlcomp.statements.record import InputRecord, account_columns_of, book_rows, input_record
from xlcomp.statements.render import PdfRenderer, html_fields, html_record, html_text, pdf_attachment, pdf_text
from xlcomp.statements.statement import ATTACHMENT, FORMAT, Statement, render_statement

__all__ = ["Difference", "LoadedInputs", "Verification", "read_record", "verify_statement"]

_TEXT_LINES_SHOWN = 8


@dataclass(frozen=True)
class Difference:
    """One thing that no longer holds: what, the statement's value, and the recomputed one."""

    what: str
    statement: str
    recomputed: str

    def __str__(self) -> str:
        return f"{self.what}: the statement shows {_quote(self.statement)}; recomputed: {_quote(self.recomputed)}"


def _short(digest: str) -> str:
    return f"{digest[:12]}…" if len(digest) > 12 else digest


def _quote(text: str) -> str:
    return f'"{text}"' if text else "(nothing)"


@dataclass(frozen=True)
class Verification:
    """The outcome for one statement: does it hold, what differs, and from what it was recomputed."""

    path: Path
    csm_id: str
    name: str
    period: str
    total: str
    source: str
    differences: tuple[Difference, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def holds(self) -> bool:
        """True when nothing differs."""
        return not self.differences


def _bad(path: Path, message: str) -> InputError:
    return InputError([Problem(path.name, message)])


def read_record(path: Path) -> tuple[dict[str, Any], str | None]:
    """The statement record embedded in an HTML or PDF statement, and the HTML text (None for a PDF)."""
    if not path.is_file():
        raise _bad(path, "file not found")
    suffix = path.suffix.lower()
    html: str | None = None
    if suffix in (".html", ".htm"):
        try:
            html = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _bad(path, f"cannot be read: {exc}") from None
        raw: str | bytes | None = html_record(html)
    elif suffix == ".pdf":
        try:
            raw = pdf_attachment(path, ATTACHMENT)
        except ValueError as exc:
            raise _bad(path, f"is not a readable PDF: {exc}") from None
    else:
        raise UsageError(f"{path.name}: a statement is an .html or .pdf file written by xlcomp statements")
    if raw is None:
        raise _bad(path, "is not an xlcomp statement: it carries no statement record")
    try:
        record = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _bad(path, f"its statement record is not valid JSON ({exc})") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        found = record.get("format") if isinstance(record, dict) else None
        raise _bad(path, f"its statement record has format {found!r}, not {FORMAT!r}")
    for key in ("period", "csm_id", "issued", "plan", "inputs", "fields", "result"):
        if key not in record:
            raise _bad(path, f"its statement record has no {key}")
    return record, html


_FRAME_PLACE = re.compile(r"^(Roster|Accounts) DataFrame:(\d+)$")


def _carried_problem(path: Path, problem: Problem, plan: str | Path | None) -> Problem:
    """A problem of the inputs a statement carries, placed in the statement, not in an internal table."""
    place = _FRAME_PLACE.match(problem.where)
    if place is None:
        return Problem(f"{path.name} (the inputs it carries)", str(problem))
    table, row = place.group(1), int(place.group(2))
    if table == "Roster":
        where = "the roster row it carries"
    else:
        where = f"account {row} of the accounts it carries" if row else "the accounts it carries"
    message = f"{problem.field}: {problem.message}" if problem.field else problem.message
    if plan is not None and "missing" in message:
        message += f" ({Path(plan).name} needs more than the statement carries: add --roster and --accounts)"
    return Problem(f"{path.name}, {where}", message)


def _text(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _labels(plan: Plan) -> dict[str, str]:
    return {c.id: c.label for c in plan.components}


def _field_name(key: str, labels: Mapping[str, str]) -> str:
    names = {"csm_id": "CSM id", "name": "name", "period": "period", "plan": "plan", "plan_hash": "plan hash",
             "input_hash": "input hash", "total": "total"}
    if key in names:
        return names[key]
    component, _, what = key.partition(".")
    return f"{labels.get(component, component)} {what}"


def _compare_fields(record: Mapping[str, object], page: Mapping[str, object] | None, fresh: Mapping[str, str],
                    labels: Mapping[str, str], skip: set[str]) -> list[Difference]:
    """Figures that differ from the recomputed ones: once when the page and the record agree, else each."""
    differences = []
    keys = [*fresh, *record, *(page or {})]
    for key in dict.fromkeys(keys):
        if key in skip:
            continue
        name = _field_name(key, labels)
        new = fresh.get(key, "")
        in_record = _text(record[key]) if key in record else None
        on_page = (_text(page[key]) if key in page else None) if page is not None else in_record
        if in_record == on_page:
            if in_record != new:
                differences.append(Difference(name if in_record is not None else f"{name} (missing)",
                                              in_record or "", new))
            continue
        if on_page != new:
            differences.append(Difference(f"{name} (on the page)" if on_page is not None else
                                          f"{name} (missing from the page)", on_page or "", new))
        if in_record != new:
            differences.append(Difference(f"{name} (in the record)" if in_record is not None else
                                          f"{name} (missing from the record)", in_record or "", new))
    return differences


def _compare_result(old: object, new: Mapping[str, Any], labels: Mapping[str, str]) -> list[Difference]:
    if not isinstance(old, dict):
        return [Difference("exact figures (record)", _text(old), json.dumps(new))]
    differences = []
    old_components = {c.get("id"): c for c in old.get("components", []) if isinstance(c, dict)}
    new_components = {c["id"]: c for c in new["components"]}
    for cid in dict.fromkeys([*new_components, *old_components]):
        before, after = old_components.get(cid, {}), new_components.get(cid, {})
        for key in dict.fromkeys([*after, *before]):
            if key == "id":
                continue
            if _text(before.get(key, "")) != _text(after.get(key, "")):
                differences.append(Difference(f"{labels.get(str(cid), str(cid))} {key} (exact, record)",
                                              _text(before.get(key, "")), _text(after.get(key, ""))))
    for key in ("days", "period_days", "total"):
        if _text(old.get(key, "")) != _text(new[key]):
            differences.append(Difference(f"{key} (exact, record)", _text(old.get(key, "")), _text(new[key])))
    return differences


def _text_differences(old: str, new: str) -> list[Difference]:
    old_lines, new_lines = old.splitlines(), new.splitlines()
    differences: list[Difference] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before, after = old_lines[i1:i2], new_lines[j1:j2]
        for k in range(max(len(before), len(after))):
            differences.append(Difference("text", before[k] if k < len(before) else "",
                                          after[k] if k < len(after) else ""))
    if len(differences) > _TEXT_LINES_SHOWN:
        more = len(differences) - _TEXT_LINES_SHOWN
        differences = differences[:_TEXT_LINES_SHOWN]
        differences.append(Difference(f"text ({more} more lines differ)", "…", "…"))
    return differences


LoadedInputs = dict[tuple[str, str, str], tuple[Roster, Book]]


def _current_inputs(plan: Plan, csm_id: str, roster: TableSource, accounts: TableSource,
                    loaded: LoadedInputs | None) -> InputRecord:
    key = (plan.digest, str(roster), str(accounts))
    if loaded is not None and isinstance(roster, (str, Path)) and isinstance(accounts, (str, Path)) \
            and key in loaded:
        roster_model, book = loaded[key]
    else:
        roster_model, book = load_inputs(plan, roster, accounts)
        if loaded is not None and isinstance(roster, (str, Path)) and isinstance(accounts, (str, Path)):
            loaded[key] = (roster_model, book)
    csm = roster_model.by_id().get(csm_id)
    if csm is None:
        raise InputError([Problem(roster_model.locator.name, f'the statement\'s CSM "{csm_id}" is not on the roster',
                                  "csm_id")])
    return input_record(csm, book_rows(book, [csm_id]).get(csm_id, []), account_columns=account_columns_of(book))


def _input_differences(old: InputRecord, new: InputRecord) -> list[Difference]:
    differences = []
    for key in dict.fromkeys([*new.roster, *old.roster]):
        if old.roster.get(key, "") != new.roster.get(key, ""):
            differences.append(Difference(f"roster {key}", old.roster.get(key, ""), new.roster.get(key, "")))
    old_accounts = {row[0]: dict(zip(old.account_columns, row, strict=True)) for row in old.accounts}
    new_accounts = {row[0]: dict(zip(new.account_columns, row, strict=True)) for row in new.accounts}
    for account in dict.fromkeys([*new_accounts, *old_accounts]):
        before, after = old_accounts.get(account), new_accounts.get(account)
        if before is None:
            differences.append(Difference(f"account {account}", "", "added to the book"))
        elif after is None:
            differences.append(Difference(f"account {account}", "in the book", "no longer in the book"))
        else:
            for key in dict.fromkeys([*after, *before]):
                if before.get(key, "") != after.get(key, ""):
                    differences.append(Difference(f"account {account} {key}", before.get(key, ""),
                                                  after.get(key, "")))
    return differences


def _edited_versions(plan_record: dict[str, Any], versions: tuple[Plan, ...]) -> list[Difference]:
    """Each embedded plan version whose text no longer has the hash it was issued with (every version, not only
    the last, whose hash is the plan's)."""
    recorded = {str(entry.get("file", "plan.yaml")): _text(entry.get("hash", ""))
                for entry in plan_record.get("versions") or [] if isinstance(entry, dict)}
    return [Difference(f"embedded plan version {version.source} (edited after issue: its hash changed)",
                       _short(recorded.get(version.source, "")), _short(version.digest))
            for version in versions if recorded.get(version.source, "") != version.digest]


@exactly
def verify_statement(path: str | Path, *, plan: str | Path | None = None, roster: TableSource | None = None,
                     accounts: TableSource | None = None, loaded: LoadedInputs | None = None) -> Verification:
    """Recompute the statement at ``path`` and compare it, figure by figure, with what it shows.

    Without ``plan``/``roster``/``accounts`` the statement is recomputed from the inputs it carries;
    with them, from those files (the CSM's row and accounts), and changed inputs are listed too.
    ``loaded`` (a dict the caller keeps) lets many statements share one load of the same files.
    Raises :class:`~xlcomp.errors.InputError` when the file is not a readable xlcomp statement.
    """
    path = Path(path)
    if (roster is None) != (accounts is None):
        raise UsageError("give both --roster and --accounts, or neither")
    record, html = read_record(path)
    differences: list[Difference] = []
    notes: list[str] = []
    plan_record = record["plan"] if isinstance(record["plan"], dict) else {}
    plan_text = plan_record.get("yaml")
    plan_file = str(plan_record.get("file") or "plan.yaml")
    if not isinstance(plan_text, str):
        raise _bad(path, "its statement record has no plan YAML")
    try:
        embedded_plan = parse_plan(plan_text, filename=f"{path.name} (embedded {plan_file})")
    except PlanError as exc:
        raise InputError(exc.problems) from None
    recorded_plan_hash = _text(plan_record.get("hash", ""))
    plan_changed = embedded_plan.digest != recorded_plan_hash
    if plan_changed:
        differences.append(Difference("embedded plan (edited after issue: its hash changed)",
                                      _short(recorded_plan_hash), _short(embedded_plan.digest)))
    plan_model = embedded_plan
    if plan is not None:
        plan_model = load_plan(plan)
        plan_text = Path(plan).read_text(encoding="utf-8-sig")
        if plan_model.digest != recorded_plan_hash:
            plan_changed = True
            differences.append(Difference(f"plan ({Path(plan).name} differs from the statement's plan: hash)",
                                          _short(recorded_plan_hash), _short(plan_model.digest)))
    inputs_record = record["inputs"] if isinstance(record["inputs"], dict) else {}
    try:
        embedded_inputs = InputRecord.from_json(inputs_record)
    except ValueError as exc:
        raise _bad(path, f"its embedded inputs are malformed: {exc}") from None
    recorded_input_hash = _text(inputs_record.get("hash", ""))
    inputs_changed = embedded_inputs.digest != recorded_input_hash
    if inputs_changed:
        differences.append(Difference("embedded inputs (edited after issue: their hash changed)",
                                      _short(recorded_input_hash), _short(embedded_inputs.digest)))
    csm_id = _text(record["csm_id"])
    period = parse_period(_text(record["period"]))
    if roster is not None and accounts is not None:
        inputs = dataclasses.replace(_current_inputs(plan_model, csm_id, roster, accounts, loaded),
                                     changes=embedded_inputs.changes,   # the roster changes it was issued with
                                     credits=embedded_inputs.credits)   # and the credited shares
        changed = _input_differences(embedded_inputs, inputs)
        inputs = dataclasses.replace(inputs, adjustments=embedded_inputs.adjustments)
        inputs_changed = inputs_changed or bool(changed)
        differences.extend(changed)
        source = "recomputed from " + ", ".join(str(Path(p).name) for p in (plan, roster, accounts) if p is not None)
    else:
        inputs = embedded_inputs
        source = "recomputed from the inputs it carries" if plan is None else f"recomputed from {Path(plan).name} " \
                                                                              "and the inputs it carries"
    versions = versions_of(plan_record, path.name) if plan is None else None   # plan versions (SPEC section 10)
    if versions:
        edited = _edited_versions(plan_record, versions)
        plan_changed = plan_changed or bool(edited)
        differences.extend(edited)
    try:
        roster_frame, accounts_frame = inputs.frames()
        roster_model, book = load_inputs(union_plan(versions) if versions else plan_model, roster_frame,
                                         accounts_frame)
        changes = load_dating(inputs.changes_frame(), roster_model, period, plan_model)
        credits = _carried_credits(plan_model, roster_frame, embedded_inputs, csm_id)
        # the adjustments are always the statement's own (verify takes no adjustments file)
        result = run_versions(versions or (plan_model,), roster_model, book, period,
                              adjustments=embedded_inputs.adjustment_models(), changes=changes, credits=credits)
    except InputError as exc:
        raise InputError([_carried_problem(path, p, plan) for p in exc.problems]) from None
    if len(result.csms) != 1 or result.csms[0].csm.csm_id != csm_id:
        raise _bad(path, f'its inputs are not those of CSM "{csm_id}"')
    issued = date.fromisoformat(_text(record["issued"]))
    stem = _text(record.get("file") or path.stem)
    ledger = _carried_panel(path, record, csm_id, differences)
    fresh = render_statement(result, result.csms[0], inputs, plan_text, issued, stem, ledger)
    labels = _labels(result.plan)
    fields = record["fields"] if isinstance(record["fields"], dict) else {}
    page = None
    if html is not None:
        page, duplicates = html_fields(html)
        differences.extend(Difference(f"{_field_name(key, labels)} (shown twice)", "twice", "once")
                           for key in dict.fromkeys(duplicates))
    skip = {"input_hash"} if inputs_changed else set()
    if plan_changed:
        skip.add("plan_hash")
    shown = _compare_fields(fields, page, fresh.view.fields, labels, skip)
    differences.extend(shown)
    if not shown:
        differences.extend(_compare_result(record["result"], fresh.record["result"], labels))
    version = _text(record.get("xlcomp_version", ""))
    if version == __version__:
        if not differences:
            differences.extend(_text_differences(*_visible_texts(path, html, fresh)))
    else:
        notes.append(f"issued by xlcomp {version}, checked by {__version__}: figures compared, layout not")
    view = fresh.view
    return Verification(path=path, csm_id=csm_id, name=view.name, period=view.period,
                        total=view.total_money, source=source, differences=tuple(_dedupe(differences)),
                        notes=tuple(notes))


def _visible_texts(path: Path, html: str | None, fresh: Statement) -> tuple[str, str]:
    if html is not None:
        return html_text(html), html_text(fresh.html)
    with tempfile.TemporaryDirectory(prefix="xlcomp-verify-") as folder:
        again = Path(folder) / "statement.pdf"
        PdfRenderer().write(fresh.html, again)
        return pdf_text(path), pdf_text(again)


def _dedupe(differences: list[Difference]) -> list[Difference]:
    seen = set()
    out = []
    for difference in differences:
        key = (difference.what, difference.statement, difference.recomputed)
        if key not in seen:
            seen.add(key)
            out.append(difference)
    return out


def _carried_credits(plan: Plan, roster_frame: Any, inputs: InputRecord, csm_id: str) -> Credits | None:
    """The credited shares a statement carries (moved and split accounts, SPEC section 10), with their
    accounts' values: the CSM's credited sums are recomputed without the other CSMs' books."""
    frame = inputs.credits_frame()
    if frame is None:
        return None
    _, accounts = load_inputs(plan, roster_frame, frame)
    return Credits(carried=(credit_table(csm_id, inputs.credits), accounts))


def _carried_panel(path: Path, record: dict[str, Any], csm_id: str, differences: list[Difference]
                   ) -> LedgerPanel | None:
    """A closed period's ledger panel as the statement carries it (the ledger's lines are history, not
    inputs: shown again as issued), checked against the balance rule."""
    carried = record.get("ledger")
    if not isinstance(carried, dict):
        return None
    try:
        panel = LedgerPanel.from_record(carried, csm_id)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        raise _bad(path, "its ledger panel is not one xlcomp wrote") from None
    if not panel.balanced:
        differences.append(Difference("ledger payable", f"{panel.payable:f}",
                                      f"{panel.payable_by_rule:f} (max(0, gross − "
                                      "balance in) + draw)"))
    return panel

