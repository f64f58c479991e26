"""Recalculate .xlsx workbooks with LibreOffice, headless: the independent check of our formulas.

LibreOffice trusts an .xlsx file's cached values unless told otherwise, so every call runs with a
private profile whose ``registrymodifications.xcu`` sets both recalculation modes to "always".
One ``soffice`` process converts many files (about 1.2 s to start, then a fraction of a second a
file); two processes must not share a profile, so each call makes its own. ``soffice`` exits 0
even when a file failed, so each output is checked.

>>> recalculate([Path("a.xlsx"), Path("b.xlsx")], Path("out"))  # doctest: +SKIP
[PosixPath('out/a.xlsx'), PosixPath('out/b.xlsx')]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from xlcomp.errors import XlcompError

__all__ = ["PROFILE_SETTINGS", "LibreOfficeError", "find_soffice", "recalculate"]

PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse">\
<value>0</value></prop></item>
</oor:items>
"""


class LibreOfficeError(XlcompError):
    """LibreOffice is missing, or did not produce a recalculated file."""


def find_soffice() -> str:
    """The path of ``soffice`` (or ``libreoffice``); raises :class:`LibreOfficeError` when absent."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    raise LibreOfficeError("LibreOffice is not installed (no soffice on PATH): install it with "
                           "apt-get install libreoffice-calc-nogui, or run make system-deps")


def recalculate(files: Sequence[Path], out_dir: Path, *, timeout: float = 600.0) -> list[Path]:
    """Open every workbook in ``files`` in one headless LibreOffice, recalculate all formulas and save
    it as .xlsx in ``out_dir`` (same file name). Returns the outputs in the order of ``files``.

    Raises :class:`LibreOfficeError` when LibreOffice is missing, fails, times out, or leaves any
    output missing. File names must be unique.
    """
    if not files:
        return []
    names = [Path(f).name for f in files]
    if len(set(names)) != len(names):
        raise LibreOfficeError("recalculate needs distinct file names: outputs are named after the inputs")
    soffice = find_soffice()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs = [out_dir / (Path(name).stem + ".xlsx") for name in names]
    for output in outputs:
        if output.exists():
            output.unlink()
    with tempfile.TemporaryDirectory(prefix="xlcomp-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir(parents=True)
        (user / "registrymodifications.xcu").write_text(PROFILE_SETTINGS, encoding="utf-8")
        command = [soffice, f"-env:UserInstallation={Path(profile).resolve().as_uri()}", "--headless",
                   "--norestore", "--nologo", "--nodefault", "--nolockcheck", "--convert-to", "xlsx",
                   "--outdir", str(out_dir.resolve()), *[str(Path(f).resolve()) for f in files]]
        env = {**os.environ, "HOME": profile, "SAL_USE_VCLPLUGIN": "svp"}
        try:
            completed = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env,
                                       check=False)
        except subprocess.TimeoutExpired:
            raise LibreOfficeError(f"LibreOffice did not finish recalculating {len(files)} workbook(s) within "
                                   f"{timeout:.0f} s") from None
    missing = [str(f) for f, output in zip(files, outputs, strict=True) if not output.exists()]
    if missing:
        detail = (completed.stderr or completed.stdout).strip().splitlines()[-3:]
        raise LibreOfficeError(f"LibreOffice did not recalculate {', '.join(missing)} (exit code "
                               f"{completed.returncode}{': ' + ' / '.join(detail) if detail else ''})")
    return outputs
