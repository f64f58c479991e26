"""The moves' ids are stripped as Python strips them, whether Arrow takes a clean column as it is or Python strips
each text (xlcomp/load/moves.py ``_stripped``)."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcomp.load.moves import _SPACES, _stripped

SPACES = [c for c in map(chr, range(0x110000)) if c.isspace()]


def test_the_space_class_is_every_character_python_strips() -> None:
    assert "".join(f"\\x{{{ord(c):x}}}" for c in SPACES) == _SPACES


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from([*SPACES, "a", "B", "-", "é", "\u200b"]),
                                             max_size=6)), max_size=8))
def test_ids_are_stripped_as_python_strips_them(texts: list[str | None]) -> None:
    assert _stripped(pa.array(texts, pa.string())) == [(t or "").strip() for t in texts]
