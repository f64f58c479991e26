"""The searches that jump from a rare byte to the next (xlcomp.recalc.anchored, .looks, the intake's DTD
check) answer exactly what the plain searches they replace answer, whatever the XML; with a small limit
the plain search takes over part way, and still answers the same."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcomp.recalc import anchored, looks
from xlcomp.recalc.intake import _DTD, inspect_upload
from xlcomp.recalc.looks import _FORMULA_TAG, _has_formula_tag, _hidden_rows, _merged

from .builders import members_of, zip_bytes
from .test_read_path import XML_BITS

# pieces of sheet XML, hostile ones among them: prefixed tags, DTDs in any case and spacing, near misses
PIECES = st.sampled_from([b"<", b"!", b"<!", b"<!DOCTYPE x>", b"<! doctype", b"<!\n\tEntity", b"<!--c-->",
                          b"<![CDATA[x]]>", b"DOCTYPE", b"ENTITY", b"h", b"hidden", b"hidde", b"idden",
                          b'hidden="1"', b'<row r="7" hidden="1">', b'<row r="8" hidden="true" spans="1:2">',
                          b'<x:row r="9" hidden="1">',
                          b"<row>", b"g", b"<mergeCell", b'<mergeCell ref="A1:B2"/>', b'<x:mergeCell ref="C3:D4"/>',
                          b"<mergeCel", b"mergeCell", b"<f>", b"<f/>", b"f", b":f ", b"<a:f>", b"<c r=\"A1\">", b"x",
                          b" ", b"\n", b'"'])
XML = st.lists(PIECES, max_size=16).map(b"".join)
NEEDLES = st.sampled_from([b"hidden", b"<mergeCell", b"<!", b"ff", b"f", b"<f>"])


@settings(max_examples=300)
@given(xml=XML, needle=NEEDLES, data=st.data(), limit=st.integers(0, 4))
def test_find_is_bytes_find(xml: bytes, needle: bytes, data: st.DataObject, limit: int) -> None:
    anchor = data.draw(st.integers(0, len(needle) - 1))
    assert anchored.find(xml, needle, anchor, limit) == xml.find(needle)
    assert anchored.find(xml, needle, anchor) == xml.find(needle)


@settings(max_examples=300)
@given(xml=XML, limit=st.integers(0, 4))
def test_the_dtd_search_is_the_pattern(xml: bytes, limit: int) -> None:
    assert anchored.search(xml, _DTD, b"!", 1, limit) == (_DTD.search(xml) is not None)
    assert anchored.search(xml, _DTD, b"!", 1) == (_DTD.search(xml) is not None)


@given(xml=XML)
def test_the_looks_are_the_plain_searches(xml: bytes) -> None:
    assert _merged(xml) == looks._MERGE.findall(xml)
    rows = []
    if b"hidden" in xml:
        for attributes in looks._ROW_TAG.findall(xml):
            values = dict(looks._ATTRIBUTE.findall(attributes))
            if values.get(b"hidden", b"").lower() in (b"1", b"true") and values.get(b"r", b"").isdigit():
                rows.append(int(values[b"r"]) - 1)
    assert _hidden_rows(xml) == rows


@given(bits=XML_BITS, limit=st.integers(0, 3))
def test_the_formula_tag_search_hands_over_to_the_pattern(bits: list[bytes], limit: int) -> None:
    xml = b"".join(bits)
    assert _has_formula_tag(xml, limit) == (_FORMULA_TAG.search(xml) is not None)


def test_the_searches_by_hand() -> None:
    sheet = b'<row r="2" hidden="1"><c r="A2"><v>1</v></c></row><!-- f --><mergeCell ref="A1:B1"/>'
    assert _hidden_rows(sheet) == [1]                  # row 2, 0-based 1
    assert _merged(sheet) == [b"A1:B1"]
    assert not _has_formula_tag(sheet)                 # the "f" of the comment is followed by a space, after " "
    assert _has_formula_tag(sheet + b"<f>A1</f>")
    assert anchored.find(b"a<!x<!", b"<!", 1) == 1
    assert anchored.search(b"<!-- --><!doctype x>", _DTD, b"!", 1)
    assert not anchored.search(b"<!-- doctype -->", _DTD, b"!", 1)
    assert anchored.search(b"abc", re.compile(rb"b"), b"b", 0)
    # past the limit the plain search goes on from the first start not yet ruled out
    assert anchored.search(b"!!!<!DOCTYPE x>", _DTD, b"!", 1, limit=1)
    assert not anchored.search(b"!!!<!-- x -->", _DTD, b"!", 1, limit=1)
    assert anchored.find(b"hhhhidden", b"hidden", 0, limit=1) == 3
    assert anchored.find(b"ggg<mergeCell", b"<mergeCell", 4, limit=0) == 3
    assert _has_formula_tag(b"f f f <f>", limit=1)


@pytest.mark.parametrize("where", [10, 500_000, 1024 * 1024 - 4, 1024 * 1024 + 3])
def test_a_dtd_is_still_refused_where_the_sheet_has_many_exclamation_marks(plain: Path, where: int) -> None:
    """More "!" than the jumps look at before the plain search takes over, then a DTD: early, or across the
    border of the intake's 1 MB reads (the DTD cut in two)."""
    members = members_of(plain)
    sheet = members["xl/worksheets/sheet2.xml"]
    head = sheet.partition(b"<sheetData>")[0]
    start = head + b"<sheetData>"
    # comments holding "!" and numbers (compressing as a sheet does), up to the DTD at byte ``where``
    filler = b"".join(b"<!-- %d! -->" % (i * 7919 % 1_000_003) for i in range(where // 12 + 1))
    filler = filler[:max(where - len(start), 0)]
    hostile = start + filler + b"<!DOCTYPE x [<!ENTITY a 'b'>]>" + b"!" * 3000 + b"</sheetData></worksheet>"
    assert hostile.find(b"<!DOCTYPE") == max(where, len(start))
    found = inspect_upload(zip_bytes({**members, "xl/worksheets/sheet2.xml": hostile}))
    assert not found.ok and "document type" in found.problems[0].message, found.problems
    assert inspect_upload(zip_bytes({**members, "xl/worksheets/sheet2.xml": sheet})).ok
