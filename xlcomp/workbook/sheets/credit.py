"""The Moves, Splits and Credit sheets (SPEC section 10): account moves and credit splits in the workbook.

``Moves`` (``account_id``, ``to_csm``, ``effective``) and ``Splits`` (``account_id``, ``csm_id``,
``share``) are input tables, validated like the other inputs (a move after the period is left out: it
changes nothing). ``Credit`` is computed and locked: the engine's credit rows (:mod:`xlcomp.engine.credit`),
one per row, with live formulas. A moved account's stretch ``k`` starts on the ``k``-th smallest
effective date of its moves (``SUMPRODUCT(SMALL(mask*Moves[effective]+(1-mask)*2958465,k))``, as the
roster changes' stretches), belongs to that move's ``to_csm`` (``LOOKUP(2,1/(…),Moves[to_csm])``) and
ends the day before the next; its days and share are the rules :func:`xlcomp.rules.credit.owned_days`
and :func:`~xlcomp.rules.credit.credit_share`. A split's share is ``SUMIFS`` over the Splits table. Then
one column per book line of the CSM tabs: the account's value x the share (:func:`~xlcomp.rules.credit.
credited`), which each CSM tab adds to its book line with ``SUMIFS(Credit[line], Credit[credited_csm], id)``
(not named ``csm_id``: an upload's tables with a csm_id column are compared row by row by CSM).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from xlcomp.model.credit import CreditRow
from xlcomp.money import exact
from xlcomp.ooxml.refs import cell, col_range, column_ref, string_literal, sumifs_key
from xlcomp.rules import credit as rules
from xlcomp.rules.metrics import BookItem, book_items
from xlcomp.rules.payout import PERIOD_DAYS
from xlcomp.rules.payout import Inputs as K
from xlcomp.workbook import layout
from xlcomp.workbook.context import Context, excel_date, num
from xlcomp.workbook.sheets.credit_dated import BOOKED_ON, dated_columns, part_shares, write_dated_cells

__all__ = ["credit_column", "credit_sum", "write_credit_sheets"]

BIG = 2958465   # 9999-12-31: "no later move"
ZERO = Decimal(0)
_WIDTHS = {"account_id": 14, "to_csm": 14, "csm_id": 14, "effective": 12, "share": 10}


def credit_column(item: BookItem) -> str:
    """The Credit table's column of a CSM tab's book line (``sum:renewed_arr`` -> ``sum_renewed_arr``)."""
    return item.key.replace(":", "_")


def credit_sum(item: BookItem, key: str) -> str:
    """What a CSM tab adds to a book line: its rows of the Credit table (``key``: the tab's lookup key cell)."""
    return (f'SUMIFS({column_ref(layout.CREDIT_TABLE, credit_column(item))},'
            f'{column_ref(layout.CREDIT_TABLE, "credited_csm")},"="&{key})')


def _rule(rule: dict[str, Any], column: str, message: str) -> dict[str, Any]:
    return {**rule, "ignore_blank": True, "error_type": "stop", "error_title": f"xlcomp: {column}",
            "error_message": message[:255], "input_title": column[:32]}


def _input_table(ctx: Context, sheet_name: str, table: str, columns: tuple[str, ...],
                 rows: list[tuple[Any, ...]], kinds: tuple[str, ...], note: str) -> int:
    sheet, styles = ctx.sheets[sheet_name], ctx.styles
    count = max(len(rows), 1)   # an Excel table needs one data row
    sheet.add_table(0, 0, count, len(columns) - 1, {
        "name": table, "style": "Table Style Medium 2",
        "columns": [{"header": c, "header_format": styles.header} for c in columns]})
    for index, column in enumerate(columns):
        sheet.set_column(index, index, _WIDTHS.get(column, 12))
    for row, values in enumerate(rows, start=1):
        for index, (value, kind) in enumerate(zip(values, kinds, strict=True)):
            if kind == "text":
                sheet.write_string(row, index, value, styles.input[kind])
            else:
                sheet.write_number(row, index, value, styles.input[kind])
    if not rows:
        for index, kind in enumerate(kinds):
            sheet.write_blank(1, index, None, styles.input[kind])
    accounts = col_range(layout.SHEET_ACCOUNTS, 0, 1, max(len(ctx.result.book), 1))
    roster = col_range(layout.SHEET_ROSTER, 0, 1, max(len(ctx.result.csms), 1))
    sheet.data_validation(1, 0, count, 0, _rule({"validate": "list", "source": "=" + accounts}, "account_id",
                                                "account_id is an account of the Accounts table"))
    sheet.data_validation(1, 1, count, 1, _rule({"validate": "list", "source": "=" + roster}, columns[1],
                                                f"{columns[1]} is a CSM of the Roster table"))
    if kinds[2] == "date":
        sheet.data_validation(1, 2, count, 2, _rule({"validate": "date", "criteria": "between",
                                                     "minimum": date(1900, 1, 1), "maximum": date(9999, 12, 31)},
                                                    "effective", "the first day the account is the CSM's (a date)"))
    else:
        sheet.data_validation(1, 2, count, 2, _rule({"validate": "decimal", "criteria": ">=", "value": 0},
                                                    "share", "the CSM's share of the account: a number, at least 0"))
    sheet.write_string(count + 2, 0, note, styles.note)
    sheet.freeze_panes(1, 1)
    return count


def write_credit_sheets(ctx: Context) -> None:
    """The Moves and Splits input tables and the computed Credit table."""
    credits = ctx.result.credits
    assert credits is not None
    moves = credits.moves.rows if credits.moves is not None else ()
    splits = credits.splits.rows if credits.splits is not None else ()
    _input_table(ctx, layout.SHEET_MOVES, layout.MOVES_TABLE, layout.MOVE_COLUMNS,
                 [(m.account_id, m.to_csm, excel_date(m.effective)) for m in moves], ("text", "text", "date"),
                 "A move holds from its effective day (before the period: from its first day). The Credit sheet "
                 "shows each owner's days and share.")
    _input_table(ctx, layout.SHEET_SPLITS, layout.SPLITS_TABLE, layout.SPLIT_COLUMNS,
                 [(s.account_id, s.csm_id, float(s.share)) for s in splits], ("text", "text", "share"),
                 "An account listed here is credited only as listed (its own csm_id credits no one unless "
                 "listed); shares summing above 1 are an overlay.")
    _write_credit_table(ctx)


def _account_values(ctx: Context, rows: list[CreditRow], columns: set[str]) -> dict[str, list[Any]]:
    """The Accounts values of each credit row's account (for the cached values)."""
    table = ctx.result.book.table
    ids = pa.array([r.account_id for r in rows], pa.string())
    positions = pc.index_in(ids, value_set=table["account_id"]) if rows else pa.array([], pa.int32())
    taken = table.take(positions) if rows else table.slice(0, 0)
    found = {name: taken[name].to_pylist() for name in columns if name in table.column_names}
    found["_position"] = positions.to_pylist()
    return found


def _item_value(item: BookItem, values: dict[str, list[Any]], i: int, row: CreditRow) -> Decimal:
    """The engine's value of one credit cell: the account's value of the line x the row's share."""
    key, share, amount = item.key, row.count_share, row.amount_share

    def v(name: str) -> Any:
        return values[name][i]

    if key == "accounts":
        return share
    if key == "logos_churned":
        return share if (v("renewable_arr") or ZERO) > 0 and (v("renewed_arr") or ZERO) == 0 else ZERO
    kind, _, name = key.partition(":")
    if kind == "wnum":
        return (v("arr_start") or ZERO) * (v(name) or ZERO) * share
    if kind == "wden":
        return ZERO if v(name) is None else (v("arr_start") or ZERO) * share
    if key == "sum:nps":
        return (v("nps") or ZERO) * share
    if key == "count:nps":
        return ZERO if v("nps") is None else share
    return (v(name) or ZERO) * amount


def _value_formula(item: BookItem, index: Callable[[str], str]) -> str:
    """The account's value of a book line (the ``value`` the rule ``credited`` multiplies)."""
    key = item.key
    if key == "accounts":
        return "1"
    if key == "logos_churned":
        return f'({index("renewable_arr")}>0)*({index("renewed_arr")}=0)'
    kind, _, name = key.partition(":")
    if kind == "wnum":
        return f'{index("arr_start")}*N({index(name)})'
    if kind == "wden":
        return f'IF({index(name)}="",0,{index("arr_start")})'
    if key == "count:nps":
        return f'IF({index("nps")}="",0,1)'
    return f"N({index(name)})"


def _write_credit_table(ctx: Context) -> None:
    sheet, styles, result = ctx.sheets[layout.SHEET_CREDIT], ctx.styles, ctx.result
    rows = list(result.credit_rows)
    items = book_items(ctx.plan)
    dated = dated_columns(ctx, items)
    columns = [*layout.CREDIT_COLUMNS, *(credit_column(i) for i in items), *dated]
    count = max(len(rows), 1)
    sheet.add_table(0, 0, count, len(columns) - 1, {
        "name": layout.CREDIT_TABLE, "style": "Table Style Light 9",
        "columns": [{"header": c, "header_format": styles.header} for c in columns]})
    sheet.set_column(0, 1, 14)
    sheet.set_column(2, len(columns) - 1, 12)
    needed = {"arr_start", "renewable_arr", "renewed_arr", "nps"} | {i.key.partition(":")[2] for i in items}
    values = _account_values(ctx, rows, needed | ({BOOKED_ON} if dated else set()))
    shares = part_shares(ctx, result.credit_rows) if dated else []
    mv_acc, mv_eff = column_ref(layout.MOVES_TABLE, "account_id"), column_ref(layout.MOVES_TABLE, "effective")
    mv_to = column_ref(layout.MOVES_TABLE, "to_csm")
    acc = column_ref(layout.ACCOUNTS_TABLE, "account_id")
    owned, share_rule, credited = rules.owned_days(), rules.credit_share(), rules.credited()
    stretch = 0
    calc = styles.calc
    with exact():
        for i, row in enumerate(rows):
            r = i + 1
            a = cell(r, 0)
            c_since, c_first, c_last, c_days, c_share, c_amount, c_row = (cell(r, k) for k in range(3, 10))
            key = string_literal(sumifs_key(row.account_id))
            sheet.write_string(r, 0, row.account_id, calc["text"])
            sheet.write_string(r, 2, row.kind, calc["text"])
            sheet.write_formula(r, 9, f"=MATCH({key},{acc},0)", calc["count"],
                                num(_position(values, i)))
            listed = f"=INDEX({column_ref(layout.ACCOUNTS_TABLE, 'csm_id')},{c_row})"

            def kth(k: int, a: str = a) -> str:
                return f"SUMPRODUCT(SMALL(({mv_acc}={a})*{mv_eff}+({mv_acc}<>{a})*{BIG},{k}))"

            if row.kind == "owner":
                stretch = 0
                sheet.write_formula(r, 1, listed, calc["text"], row.csm_id)
                for k in range(3, 7):
                    sheet.write_blank(r, k, None, calc["date" if k < 6 else "days"])
                sheet.write_number(r, 7, -1, calc["share"])
            elif row.kind == "move":
                if stretch == 0:
                    sheet.write_formula(r, 1, listed, calc["text"], row.csm_id)
                    sheet.write_blank(r, 3, None, calc["date"])
                    sheet.write_formula(r, 4, "=period_start", calc["date"], excel_date(row.first))
                else:
                    sheet.write_formula(r, 3, f"={kth(stretch)}", calc["date"], excel_date(row.since))
                    sheet.write_formula(r, 1, f"=LOOKUP(2,1/(({mv_acc}={a})*({mv_eff}={c_since})),{mv_to})",
                                        calc["text"], row.csm_id)
                    sheet.write_formula(r, 4, f"=MAX(period_start,{c_since})", calc["date"], excel_date(row.first))
                sheet.write_formula(r, 5, f"=MIN(period_end,IFERROR({kth(stretch + 1)},{BIG})-1)", calc["date"],
                                    excel_date(row.last))
                sheet.write_formula(r, 6, owned.formula({K.PERIOD_START: c_first, K.PERIOD_END: c_last}),
                                    calc["days"], int(row.count_num))
                sheet.write_formula(r, 7, share_rule.formula({rules.DAYS: c_days, PERIOD_DAYS: "period_days"}),
                                    calc["share"], num(row.count_share))
                stretch += 1
            else:
                sheet.write_string(r, 1, row.csm_id, calc["text"])
                for k in range(3, 7):
                    sheet.write_blank(r, k, None, calc["date" if k < 6 else "days"])
                sheet.write_formula(
                    r, 7, f'=SUMIFS({column_ref(layout.SPLITS_TABLE, "share")},'
                          f'{column_ref(layout.SPLITS_TABLE, "account_id")},"="&{key},'
                          f'{column_ref(layout.SPLITS_TABLE, "csm_id")},"="&{string_literal(sumifs_key(row.csm_id))})',
                    calc["share"], num(row.count_share))
            if row.amount_num == row.count_num:
                sheet.write_formula(r, 8, f"={c_share}", calc["share"], num(row.amount_share))
            else:   # booked_on: the amounts go wholly to the owner on that day
                sheet.write_number(r, 8, num(row.amount_share), calc["share"])
            for j, item in enumerate(items):
                share = c_amount if item.key.startswith("sum:") and item.key != "sum:nps" else c_share

                def index(name: str, c_row: str = c_row) -> str:
                    return f"INDEX({column_ref(layout.ACCOUNTS_TABLE, name)},{c_row})"

                formula = credited.formula({rules.VALUE: _value_formula(item, index), rules.SHARE: share})
                sheet.write_formula(r, 10 + j, formula, calc["number"], num(_item_value(item, values, i, row)))
            if dated:
                write_dated_cells(ctx, sheet, r, 10 + len(items), (row, i, values, shares), items)
    if not rows:
        for k in range(len(columns)):
            sheet.write_blank(1, k, None, calc["text"])
    sheet.write_string(count + 2, 0, "Computed from the Moves and Splits tables: -1 for the csm_id the Accounts "
                                     "table lists, then each credited CSM's share. Each CSM tab adds its rows.",
                       styles.note)
    sheet.freeze_panes(1, 1)
    ctx.protect(sheet)


def _position(values: dict[str, list[Any]], i: int) -> int:
    """The 1-based row of a credit row's account in the Accounts table (the cached MATCH)."""
    return int(values["_position"][i]) + 1 if "_position" in values else 0
