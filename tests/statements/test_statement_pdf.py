"""Statements as PDF, read back the way a person's tools read them: pdftotext, pdfdetach, pdftoppm."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest

from xlcomp.api import calculate
from xlcomp.statements import ATTACHMENT, write_statements
from xlcomp.statements.render import PdfPrinter, RenderError, debris, pdf_attachment, pdf_text

from .conftest import write_spec_files

ISSUED = date(2027, 4, 5)


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SPEC book's statements, HTML and PDF, printed once for the module."""
    root = tmp_path_factory.mktemp("printed")
    files = write_spec_files(root / "inputs")
    result = calculate(files["plan"], files["roster"], files["accounts"], "2027-Q1")
    write_statements(result, root / "out", issued=ISSUED, workers=1)
    return root / "out"


def flat_text(path: Path) -> str:
    """The PDF's text on one line: a phrase wrapped across lines still reads as one."""
    return " ".join(pdf_text(path).split())


def pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_pdf_text_has_the_hand_worked_amounts(printed: Path):
    text = flat_text(printed / "CSM-A-2027-Q1.pdf")
    for expected in ("VARIABLE PAY STATEMENT", "Ana Lima", "CSM-A", "Maya Chen", "2027-Q1",
                     "Total variable pay for 2027-Q1", "USD 10,729.90", "7,429.90", "3,300.00", "6,000.00",
                     "1,076.09", "0%–100% at 1.0×", "100%–110% at 3.0×", "0.00–50,000.00 at 5%",
                     "NPS 30 reaches the band from 30 — ×1.05", "97.50%", "105.98%"):
        assert expected in text, expected
    assert debris(text) == []


def test_pdf_explains_nothing_paid(printed: Path):
    text = flat_text(printed / "CSM-B-2027-Q1.pdf")
    assert "no renewable ARR in the period" in text
    assert "the gate is not met" in text
    assert "USD 0.00" in text
    assert debris(text) == []


def test_one_page_per_statement(printed: Path):
    assert [pages(p) for p in sorted(printed.glob("*.pdf"))] == [1, 1, 1, 1]


def test_pdf_carries_the_statement_record(printed: Path):
    record = json.loads(pdf_attachment(printed / "CSM-C-2027-Q1.pdf", ATTACHMENT) or b"")
    assert record["csm_id"] == "CSM-C"
    assert record["fields"]["total"] == "5,811.95"
    html_record_text = (printed / "CSM-C-2027-Q1.html").read_text()
    assert record["inputs"]["hash"] in html_record_text


def test_pdf_renders_to_an_image(printed: Path, tmp_path: Path):
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(printed / "CSM-A-2027-Q1.pdf"),
                    str(tmp_path / "page")], check=True)
    (png,) = tmp_path.glob("page*.png")
    assert png.stat().st_size > 5000


def test_parallel_printer_writes_the_same_text(printed: Path, tmp_path: Path):
    html = (printed / "CSM-A-2027-Q1.html").read_text()
    targets = [tmp_path / f"copy{i}.pdf" for i in range(3)]
    with PdfPrinter(workers=2) as printer:
        for target in targets:
            printer.submit(html, target, ((ATTACHMENT, b"{}"),))
        printer.wait()
    expected = pdf_text(printed / "CSM-A-2027-Q1.pdf")
    assert [pdf_text(t) for t in targets] == [expected] * 3
    assert pdf_attachment(targets[0], ATTACHMENT) == b"{}"


def test_a_failed_print_names_the_file(tmp_path: Path):
    with PdfPrinter(workers=2) as printer:
        printer.submit("<p>fine</p>", tmp_path / "ok.pdf")
        printer.submit("<p>fine</p>", tmp_path / "missing-folder" / "x.pdf")
        with pytest.raises(RenderError, match=r"printing x\.pdf failed: FileNotFoundError"):
            printer.wait()
    assert pdf_text(tmp_path / "ok.pdf") == "fine"
