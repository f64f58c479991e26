"""The workbook contract: where everything lives in an xlcomp workbook.

The writer (:mod:`xlcomp.workbook.writer`) and every reader (``xlcomp recalc``, tests) take sheet
names, table names, column names, defined names and the metadata keys from this module only.
Readers find inputs by **table and defined name**, never by fixed cell positions: finance may add
rows to tables, sort them or move things around.

Schema version 1 (``SCHEMA_VERSION``); later changes are additive only.

Sheets, in order
    Guide, Plan, Roster, Accounts, Adjustments, Summary, ROI, then one tab per CSM (names from
    :func:`csm_sheet_names`), then the hidden, protected metadata sheet ``_xlcomp``.

Tables (Excel ListObjects)
    ``Roster`` on sheet Roster: :func:`roster_columns` (the SPEC's roster columns plus the per-CSM
    columns the plan names). ``Accounts`` on sheet Accounts: :data:`ACCOUNT_COLUMNS`.
    ``Adjustments`` on sheet Adjustments: :data:`ADJUSTMENT_COLUMNS` (SPEC section 8), the run's
    adjustment rows followed by :data:`ADJUSTMENT_BLANK_ROWS` blank input rows (a table always has
    at least one data row; finance fills the blank rows or types under the table, which Excel
    grows). ``Summary`` on sheet Summary: one row per CSM (formulas). One tier table per component with a
    curve, named :func:`tier_table_name`, columns :data:`TIER_COLUMNS` (``from`` is a formula: the
    previous tier's ``upto``, 0 for the first; ``upto`` blank in the last tier = no end). One band
    table per multiplier, named :func:`band_table_name`, columns :data:`BAND_COLUMNS`, sorted by
    ``min`` ascending.

Defined names (workbook scope, each one cell on sheet Plan)
    ``period_start``, ``period_end`` (dates), ``period_days``, ``periods_per_year``;
    :func:`input_name` for every plan input, plus ``input_overhead_rate`` and
    ``input_support_team_cost`` always (0 when the plan has none); :func:`param_name` for every
    numeric component parameter the component has (:data:`COMPONENT_PARAMS`).

Metadata
    Sheet ``_xlcomp`` (hidden, protected): a key/value table, keys in column A from row 2, values
    in column B (:data:`META_KEYS`); the plan's canonical YAML follows in rows keyed
    ``plan_yaml``, whose B cells concatenated in row order give the text (chunks of at most
    :data:`YAML_CHUNK` characters). Below, after a blank row, a header row ``csm_id | sheet``
    (:data:`META_TABS_HEADER`) and one row per CSM tab; a third column, :data:`META_TABS_ISSUED`,
    holds each CSM's total as the workbook was issued (text, two decimals: what ``xlcomp recalc``
    reports as ``issued``; absent in workbooks written before it). A period split by plan versions adds,
    after the ``plan_yaml`` rows, each version's file, YAML and SHA-256 (:data:`VERSION_KEY`). The same keys
    (except ``plan_yaml`` and the versions') are also custom document properties named ``xlcomp_<key>``.

Everything in the workbook except the metadata values ``generation_id`` (and the file's own
creation time) is a function of the inputs: the same run gives the same cells and formulas.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from xlcomp.load.roster import ROSTER_NUMERIC, plan_roster_columns
from xlcomp.model.adjustments import ADJUSTMENT_COLUMNS
from xlcomp.model.metrics import SCORE_FIELDS, SUM_FIELDS
from xlcomp.model.plan import Plan
from xlcomp.rules.metrics import ACCOUNT_COLUMNS, ACCOUNTS_TABLE

__all__ = [
    "ACCOUNTS_TABLE",
    "ACCOUNT_ACTUAL_COLUMNS",
    "ACCOUNT_COLUMNS",
    "ADJUSTMENTS_TABLE",
    "ADJUSTMENT_BLANK_ROWS",
    "ADJUSTMENT_COLUMNS",
    "BAND_COLUMNS",
    "CHANGES_TABLE",
    "CHANGE_COLUMNS",
    "COMPONENT_PARAMS",
    "CREDIT_COLUMNS",
    "CREDIT_TABLE",
    "FIXED_SHEETS",
    "INPUT_PREFIX",
    "META_KEYS",
    "META_PROPERTY_PREFIX",
    "META_SHEET",
    "META_TABS_HEADER",
    "META_TABS_ISSUED",
    "MOVES_TABLE",
    "MOVE_COLUMNS",
    "PERIOD_NAMES",
    "RAMP_TABLE",
    "ROI_INPUTS",
    "ROSTER_BASE_COLUMNS",
    "ROSTER_TABLE",
    "SCHEMA_VERSION",
    "SHEET_ACCOUNTS",
    "SHEET_ADJUSTMENTS",
    "SHEET_CHANGES",
    "SHEET_CREDIT",
    "SHEET_GUIDE",
    "SHEET_MOVES",
    "SHEET_PLAN",
    "SHEET_ROI",
    "SHEET_ROSTER",
    "SHEET_SPLITS",
    "SHEET_SUMMARY",
    "SPLITS_TABLE",
    "SPLIT_COLUMNS",
    "SUMMARY_TABLE",
    "TIER_COLUMNS",
    "VERSION_KEY",
    "YAML_CHUNK",
    "account_columns",
    "band_table_name",
    "csm_sheet_names",
    "input_name",
    "param_name",
    "roster_columns",
    "safe_sheet_name",
    "tier_table_name",
    "version_key",
]

SCHEMA_VERSION = 1

SHEET_GUIDE = "Guide"
SHEET_PLAN = "Plan"
SHEET_ROSTER = "Roster"
SHEET_ACCOUNTS = "Accounts"
SHEET_ADJUSTMENTS = "Adjustments"
SHEET_SUMMARY = "Summary"
SHEET_ROI = "ROI"
META_SHEET = "_xlcomp"
FIXED_SHEETS = (SHEET_GUIDE, SHEET_PLAN, SHEET_ROSTER, SHEET_ACCOUNTS, SHEET_ADJUSTMENTS, SHEET_SUMMARY, SHEET_ROI)
# With roster changes (SPEC section 10) the Changes sheet follows Adjustments.
SHEET_CHANGES = "Changes"
CHANGES_TABLE = "Changes"
CHANGE_COLUMNS = ("csm_id", "field", "value", "effective")
# With account moves or credit splits (SPEC section 10) the Moves and Splits input sheets and the computed
# Credit sheet follow (Changes, or) Adjustments.
SHEET_MOVES = "Moves"
MOVES_TABLE = "Moves"
MOVE_COLUMNS = ("account_id", "to_csm", "effective")
SHEET_SPLITS = "Splits"
SPLITS_TABLE = "Splits"
SPLIT_COLUMNS = ("account_id", "csm_id", "share")
SHEET_CREDIT = "Credit"
CREDIT_TABLE = "Credit"
CREDIT_COLUMNS = ("account_id", "credited_csm", "kind", "since", "first", "last", "days", "share", "amount_share",
                  "account_row")

ROSTER_TABLE = "Roster"
# The plan's ramp (SPEC section 10), on sheet Plan when the plan has one: columns months_from, factor.
RAMP_TABLE = "Ramp"
ADJUSTMENTS_TABLE = "Adjustments"
# Blank input rows at the end of the Adjustments table: room for finance to add adjustments.
ADJUSTMENT_BLANK_ROWS = 5
SUMMARY_TABLE = "Summary"

# The roster columns every workbook has, in order; the plan's per-CSM columns follow.
ROSTER_BASE_COLUMNS = ("csm_id", "name", "segment", "role", "base_salary", "target_variable", "start_date",
                       "end_date", "manager")

# The accounts columns, in the SPEC's order.
assert set(ACCOUNT_COLUMNS) == {"account_id", "csm_id", "segment", *SUM_FIELDS, *SCORE_FIELDS}

# Optional account columns, after the SPEC's: ``booked_on`` (a date; SPEC section 10) when the book has it.
ACCOUNT_OPTIONAL_COLUMNS = ("booked_on",)


def account_columns(present: Iterable[str] = ()) -> tuple[str, ...]:
    """The Accounts table's columns: :data:`ACCOUNT_COLUMNS`, then the optional ones in ``present``."""
    have = set(present)
    return ACCOUNT_COLUMNS + tuple(c for c in ACCOUNT_OPTIONAL_COLUMNS if c in have)


# What the period brings: left blank by ``xlcomp template`` (the rest is known at its start).
ACCOUNT_ACTUAL_COLUMNS = ("renewed_arr", "upsell_arr", "cross_sell_arr", "contraction_arr", "health_score", "nps",
                          "adoption_rate", "onboarding_done", "value_identified_arr", "referrals")

TIER_COLUMNS = ("tier", "from", "upto", "rate")
BAND_COLUMNS = ("min", "factor")

# Numeric component parameters; each becomes the defined name ``param_name(component, param)``
# when the component has it (a target or quota taken from a roster column has no name).
COMPONENT_PARAMS = ("weight", "target", "threshold", "cap", "quota", "rate", "cap_amount", "gate_min",
                    "risk_per_point", "risk_reference", "risk_floor", "risk_ceiling", "window_from", "window_to",
                    "part_first", "part_last")
# No parameter may end with "_" + another parameter: names could then collide across components.
assert not any(a != b and a.endswith("_" + b) for a in COMPONENT_PARAMS for b in COMPONENT_PARAMS)

PERIOD_NAMES = ("period_start", "period_end", "period_days", "periods_per_year")
INPUT_PREFIX = "input_"
ROI_INPUTS = ("overhead_rate", "support_team_cost")

META_KEYS = ("schema_version", "generator", "xlcomp_version", "mode", "plan_id", "plan_digest", "plan_yaml_sha256",
             "period", "period_start", "period_end", "generation_id")
META_TABS_HEADER = ("csm_id", "sheet")
META_TABS_ISSUED = "issued_total"  # an additive third column of the tabs table (schema 1 still)
META_PROPERTY_PREFIX = "xlcomp_"
YAML_CHUNK = 8000
# A period split by plan versions (SPEC section 10): each version's file name, canonical YAML (in chunks, like
# plan_yaml) and its SHA-256, under keys version_<n>_file, version_<n>_yaml, version_<n>_yaml_sha256 (n = 1, 2, …
# in part order), after the plan_yaml rows; absent from a workbook no version change splits.
VERSION_KEY = re.compile(r"^version_(\d+)_(file|yaml|yaml_sha256)$")


def version_key(number: int, what: str) -> str:
    """The metadata key of plan version ``number`` (1-based): ``version_2_yaml``."""
    return f"version_{number}_{what}"


_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_RESERVED_SHEETS = {"history"}
SHEET_NAME_LIMIT = 31


def _name_prefix(component_id: str) -> str:
    # Component ids are [a-z0-9_]+; a defined name cannot start with a digit. A plan version's part renames its
    # components ``renewal@2027-02-15``: named ``renewal_at_20270215`` (SPEC section 10).
    component_id = component_id.replace("@", "_at_").replace("-", "")
    return component_id if component_id[:1].isalpha() else "_" + component_id


def param_name(component_id: str, param: str) -> str:
    """The defined name of a component parameter: ``renewal_weight``, ``upsell_cap_amount``.

    Ids that start with a digit get a leading underscore (``_2nd_weight``).
    """
    if param not in COMPONENT_PARAMS:
        raise ValueError(f'"{param}" is not a component parameter ({", ".join(COMPONENT_PARAMS)})')
    return f"{_name_prefix(component_id)}_{param}"


def tier_table_name(component_id: str) -> str:
    """The table holding a component's tiers: ``Tiers_renewal``."""
    return f"Tiers_{component_id.replace('@', '_at_').replace('-', '')}"


def band_table_name(index: int) -> str:
    """The table holding the bands of the plan's multiplier number ``index`` (0-based): ``Bands_1``."""
    return f"Bands_{index + 1}"


def input_name(name: str) -> str:
    """The defined name of a plan input: ``input_company_attainment``."""
    return INPUT_PREFIX + name


def roster_columns(plan: Plan, present: Iterable[str] = ()) -> tuple[str, ...]:
    """The Roster table's columns: the base columns, the plan's per-CSM columns, then the optional
    numeric roster columns (:data:`~xlcomp.load.roster.ROSTER_NUMERIC`) found in ``present``."""
    needed = plan_roster_columns(plan)
    optional = [column for column in ROSTER_NUMERIC if column in set(present)]
    return tuple(dict.fromkeys([*ROSTER_BASE_COLUMNS, *needed, *optional]))


def safe_sheet_name(text: str, taken: Iterable[str] = ()) -> str:
    """A sheet name Excel accepts made from ``text``: at most 31 characters, none of ``[]:*?/\\``,
    not starting or ending with an apostrophe, not blank, not ``History``, and unique
    (case-insensitively) among ``taken``: a clash gets `` (2)``, `` (3)`` …"""
    name = _INVALID_SHEET_CHARS.sub("_", text).strip().strip("'").strip()
    if not name or name.lower() in _RESERVED_SHEETS:
        name = f"{name or 'Sheet'}_"
    name = name[:SHEET_NAME_LIMIT].rstrip().rstrip("'")
    used = {t.lower() for t in taken}
    candidate, number = name, 1
    while candidate.lower() in used:
        number += 1
        suffix = f" ({number})"
        candidate = name[:SHEET_NAME_LIMIT - len(suffix)].rstrip().rstrip("'") + suffix
    return candidate


def csm_sheet_names(csms: Sequence[tuple[str, str]]) -> list[str]:
    """One safe, unique tab name per ``(csm_id, name)``, in order: ``"CSM-0001 Ava Okafor"``.

    Names never clash with the fixed sheets or the metadata sheet.
    """
    taken: list[str] = [*FIXED_SHEETS, SHEET_CHANGES, SHEET_MOVES, SHEET_SPLITS, SHEET_CREDIT, META_SHEET]
    names = []
    for csm_id, name in csms:
        sheet = safe_sheet_name(f"{csm_id} {name}".strip(), taken)
        taken.append(sheet)
        names.append(sheet)
    return names
