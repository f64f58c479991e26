"""Without WeasyPrint (the ``report`` extra) PDFs fail with a friendly message; HTML still works."""

from __future__ import annotations

import sys

import pytest

from xlcomp.cli import main
from xlcomp.errors import MissingExtraError
from xlcomp.statements.render import PdfRenderer


def test_missing_weasyprint(monkeypatch, spec_files, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "weasyprint", None)   # what Python does when a package is absent
    with pytest.raises(MissingExtraError, match=r'pip install "xlcomp\[report\]"'):
        PdfRenderer()
    base = ["statements", "--plan", str(spec_files["plan"]), "--roster", str(spec_files["roster"]),
            "--accounts", str(spec_files["accounts"]), "--period", "2027-Q1"]
    assert main([*base, "--out", str(tmp_path / "pdf")]) == 1
    assert "install xlcomp[report]" in capsys.readouterr().err
    assert not (tmp_path / "pdf").exists()
    assert main([*base, "--out", str(tmp_path / "html"), "--no-pdf"]) == 0
    assert len(list((tmp_path / "html").glob("*.html"))) == 5
