"""The sheet-XML scans (:mod:`xlcomp.ooxml.scan`): the quick regular-expression scans agree with
the element-by-element parse in every spelling a spreadsheet program may write, and the parse
expands shared formulas and places cells without references as spreadsheet programs do."""

from __future__ import annotations

import codecs

from hypothesis import given, settings
from hypothesis import strategies as st

from xlcomp.ooxml.scan import (
    SheetFormulas,
    _parse_formulas,
    _scan_formulas,
    plain_utf8,
    read_sheet_formulas,
    scan_errors,
    scan_formulas,
    unescape,
    xml_text,
)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
          b'<sheetData><row r="2"><c r="A2"><v>1</v></c><c r="B2" s="3">'
          b'<f t="shared" ref="B2:B4" si="0">A2*2&amp;"x"</f><v>2</v></c></row>'
          b'<row r="3"><c r="A3"><v>2</v></c><c r="B3" s="3"><f t="shared" si="0"/><v>4</v></c></row>'
          b'<row r="4"><c r="A4"><v>3</v></c><c r="B4"><f t="shared" si="0"/><v>6</v></c>'
          b'<c r="C4"><f t="array" ref="C4">SUM(A2:A4*2)</f></c></row></sheetData></worksheet>')


def test_shared_and_array_formulas_are_expanded_to_every_cell() -> None:
    expected = [(1, 1, '=A2*2&"x"', 3), (2, 1, '=A3*2&"x"', 3), (3, 1, '=A4*2&"x"', 0), (3, 2, "=SUM(A2:A4*2)", 0)]
    assert _scan_formulas(SHARED) == list(_parse_formulas(SHARED)) == read_sheet_formulas(SHARED) == expected
    # prefixed elements and cells placed by position go to the parser, which gives the same
    prefixed = SHARED.replace(b"<c ", b"<x:c ").replace(b"</c>", b"</x:c>").replace(
        b"<worksheet xmlns=", b'<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns=')
    assert _scan_formulas(prefixed) is None and read_sheet_formulas(prefixed) == expected
    by_position = SHARED.replace(b'<c r="A2">', b"<c>")
    assert _scan_formulas(by_position) is None and read_sheet_formulas(by_position) == expected


def test_cells_and_rows_without_references_take_the_next_position() -> None:
    xml = (f'<worksheet xmlns="{MAIN}"><sheetData><row><c><v>1</v></c><c s="2"><f>A1+1</f></c></row>'
           f'<row r="5"><c r="C5"><f>B1</f></c><c><f>C5*2</f></c></row><row><c><f>1</f></c></row>'
           f"</sheetData></worksheet>").encode()
    assert read_sheet_formulas(xml) == [(0, 1, "=A1+1", 2), (4, 2, "=B1", 0), (4, 3, "=C5*2", 0), (5, 0, "=1", 0)]
    assert scan_formulas(xml).get(b"D5") == "=C5*2"


def test_xml_text_replaces_entities_and_normalises_line_ends() -> None:
    assert unescape("a &lt;&amp;&gt; &quot;b&apos; &#38;&#x41;") == "a <&> \"b' &A"
    assert unescape("no entities") == "no entities"
    assert xml_text(b"A1&amp;B1\r\n+1\r") == "A1&B1\n+1\n"


def test_plain_utf8_refuses_what_a_scan_could_misread() -> None:
    assert plain_utf8(b'<?xml version="1.0" encoding="UTF-8"?><worksheet/>')
    assert plain_utf8(codecs.BOM_UTF8 + b"<worksheet/>")
    assert not plain_utf8(b'<?xml version="1.0" encoding="windows-1252"?><worksheet/>')
    assert not plain_utf8(codecs.BOM_UTF16_LE + "<worksheet/>".encode("utf-16-le"))
    assert not plain_utf8(b"<worksheet><!-- <f>X</f> --></worksheet>")


def test_sheet_formulas_decode_plain_formulas_when_asked() -> None:
    formulas = SheetFormulas({b"B7": b"A1&amp;&quot;x&quot;"}, {b"C1": "=SUM(A1:A3)"})
    assert formulas.get(b"B7") == '=A1&"x"' and formulas.get(b"C1") == "=SUM(A1:A3)" and formulas.get(b"A1") is None
    assert len(formulas) == 2 and sorted(formulas.items()) == [(0, 2, "=SUM(A1:A3)"), (6, 1, '=A1&"x"')]


SPELLINGS = ["plain", "typed", "libreoffice", "spaced", "style_first", "shared", "array", "prefixed", "comment",
             "cdata", "instruction", "utf16"]
TEXTS = ['SUM(A1:A3)', 'IF(B2="","",B2*2)', 'A1&" <&> "&"x"', "ROUND($B$7*0.5,2)", "A1\r\n+1", "'My tab'!C3*2",
         'N("&#38;")']


def _sheet_xml(cells: list[tuple[int, int, int]], spelling: str) -> bytes:
    """A worksheet with a formula in each (row, column) cell, in one spelling or another."""
    rows: dict[int, list[str]] = {}
    shared_done = False
    unique = sorted({(row, column): text for row, column, text in cells}.items())
    if spelling == "shared" and unique:  # a shared formula's cells are below its first one, in its column
        column = unique[0][0][1]
        unique = [((row, column), 0) for row in sorted({row for (row, _), _ in unique})]
    for (row, column), text_index in dict(unique).items():
        ref = f"{chr(65 + column)}{row + 1}"
        text = TEXTS[text_index].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        text = text.replace("&amp;#38;", "&#38;")
        if spelling == "typed":
            cell = f'<c r="{ref}" s="3" t="str"><f>{text}</f><v>x</v></c>'
        elif spelling == "libreoffice":
            cell = f'<c r="{ref}" s="1" t="n"><f aca="false">{text}</f><v>1</v></c>'
        elif spelling == "spaced":
            cell = f'<c r="{ref}">\n  <f>{text}</f>\n  <v>1</v>\n</c>'
        elif spelling == "style_first":
            cell = f'<c s="2" r="{ref}"><f>{text}</f><v>1</v></c>'
        elif spelling == "shared":
            if shared_done:
                cell = f'<c r="{ref}"><f t="shared" si="0"/><v>1</v></c>'
            else:
                cell = f'<c r="{ref}"><f t="shared" ref="A1:H40" si="0">{text}</f><v>1</v></c>'
                shared_done = True
        elif spelling == "array":
            cell = f'<c r="{ref}"><f t="array" ref="{ref}">{text}</f><v>1</v></c>'
        elif spelling == "prefixed":
            cell = f'<x:c r="{ref}"><x:f>{text}</x:f><x:v>1</x:v></x:c>'
        else:
            cell = f'<c r="{ref}" s="1"><f>{text}</f><v>1</v></c>'
        rows.setdefault(row, []).append(cell)
    tag = "x:row" if spelling == "prefixed" else "row"
    body = "".join(f'<{tag} r="{row + 1}">{"".join(cells)}</{tag}>' for row, cells in rows.items())
    if spelling == "comment":
        body = f'<!-- <row r="99"><c r="A99"><f>HIDDEN()</f></c></row> -->{body}'
    if spelling == "cdata":
        body = body.replace("<v>1</v>", "<v><![CDATA[1]]></v>", 1)
    if spelling == "instruction":
        body = f"<?note <c r=\"A98\"><f>HIDDEN()</f></c>?>{body}"
    if spelling == "prefixed":
        xml = f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData>{body}</x:sheetData></x:worksheet>'
    else:
        xml = f'<worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData></worksheet>'
    if spelling == "utf16":
        return codecs.BOM_UTF16_LE + f'<?xml version="1.0" encoding="UTF-16"?>{xml}'.encode("utf-16-le")
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{xml}'.encode()


@settings(max_examples=150, deadline=None)
@given(cells=st.lists(st.tuples(st.integers(0, 39), st.integers(0, 7), st.integers(0, len(TEXTS) - 1)), max_size=25),
       spelling=st.sampled_from(SPELLINGS))
def test_the_formula_scan_agrees_with_the_parser(cells: list[tuple[int, int, int]], spelling: str) -> None:
    xml = _sheet_xml(cells, spelling)
    expected = {(r, c): text for r, c, text, _ in _parse_formulas(xml)}
    found = {(r, c): text for r, c, text in scan_formulas(xml).items()}
    assert found == expected
    if cells and spelling in ("plain", "typed", "libreoffice", "spaced"):
        assert scan_formulas(xml).plain  # the quick way was taken


def test_error_values_are_found_in_any_spelling() -> None:
    xml = (f'<worksheet xmlns="{MAIN}"><sheetData><row r="2"><c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
           f"<c t = 'e' r=\"C2\"><v>#N/A</v></c><c r=\"D2\"><v>1</v></c></row></sheetData></worksheet>").encode()
    assert scan_errors(xml) == {(1, 1): "#DIV/0!", (1, 2): "#N/A"}
    assert scan_errors(xml.replace(b't="e"', b't="n"').replace(b"t = 'e'", b"")) == {}
