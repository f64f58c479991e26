"""The close's CSV files joined a column at a time are byte for byte what the csv module writes."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from xlcomp.ledger.outputs import csv_text

TEXT = st.text(alphabet=st.sampled_from(list('ab ,"\r\n\x00é=-+\'')), max_size=6)


def _by_module(header: list[str], columns: list[list[str | None]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(zip(*columns, strict=True))
    return buffer.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=4).flatmap(lambda width: st.tuples(
    st.lists(TEXT, min_size=width, max_size=width),
    st.integers(min_value=0, max_value=6).flatmap(lambda rows: st.lists(
        st.lists(st.none() | TEXT, min_size=rows, max_size=rows), min_size=width, max_size=width)))))
def test_the_csv_module_s_bytes(case: tuple[list[str], list[list[str | None]]]) -> None:
    header, columns = case
    assert csv_text(header, columns) == _by_module(header, columns)


def test_quoting_by_hand():
    # a comma, a quote (doubled) and a line break are quoted; a formula-escaped text and blanks are not
    columns: list[list[str | None]] = [["C1", "C2"], ["10% of 4,000", 'the "big" one'], [None, "a\nb"], ["'=1", ""]]
    assert csv_text(["id", "note", "x", "y"], columns) == \
        'id,note,x,y\nC1,"10% of 4,000",,\'=1\nC2,"the ""big"" one","a\nb",\n'
