"""Names and reports of an upload job: a safe file name from what the browser sent, and the job's
reports relabelled with the names the user gave."""

from __future__ import annotations

import csv
import os
import re
import unicodedata
from pathlib import Path
from typing import Any

from xlcomp.outputs import OutputSet, escape_text
from xlcomp.server.jobs import Job

_MAX_NAME = 255  # characters of an upload's file name (what file systems take)
_UNSAFE = re.compile(r"[^\w .()\-]+")
_SPACES = re.compile(r"\s+")


def safe_upload_name(raw: str) -> str:
    """The name an upload is saved under: its last path component, letters, digits, spaces and
    ``. _ - ( )`` only (others become ``_``), no leading dot, at most 120 characters.

    >>> safe_upload_name("../../etc/passwd")
    'passwd'
    >>> safe_upload_name("C:\\\\Users\\\\ana\\\\Q1 EMEA (final).xlsx")
    'Q1 EMEA (final).xlsx'
    >>> safe_upload_name(".hidden.xlsx")
    'hidden.xlsx'
    """
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    name = _SPACES.sub(" ", _UNSAFE.sub("_", name)).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = stem.strip(" .") or "upload"
    suffix = suffix.strip(" ")[:10]
    stem = stem[: 120 - len(suffix) - 1].rstrip(" .") or "upload"
    return f"{stem}.{suffix}" if suffix else stem


def _causes(exc: BaseException) -> str:
    """The messages of an exception and of what caused it, one after the other."""
    texts = []
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            break
        texts.append(str(seen))
        seen = seen.__cause__ or seen.__context__
    return " / ".join(texts)


def _utf8_name(name: str) -> bool:
    """Did the file name arrive as UTF-8? Starlette decodes a name that is not UTF-8 as Latin-1, so a
    name of Latin-1 characters that is not valid UTF-8 once encoded back did not."""
    if name.isascii():
        return True
    try:
        name.encode("latin-1").decode("utf-8")
    except UnicodeEncodeError:
        return True  # characters beyond Latin-1: it was decoded from UTF-8
    except UnicodeDecodeError:
        return False
    return True


def _scrub(text: str, job: Job) -> str:
    """A message without the job folder's path (the server's layout is nobody's business)."""
    for folder in (job.inputs, job.outputs, job.folder):
        text = text.replace(f"{folder}{os.sep}", "").replace(str(folder), "")
    return text


def _relabel_reports(out: Path, entries: list[dict[str, Any]], labels: dict[str, str]) -> None:
    """Rewrite report.json, report.xlsx and payouts.csv naming each upload by its name, not its path
    in the job folder (with the batch's own writers)."""
    from xlcomp.recalc.report import (
        PAYOUTS_FILE,
        REPORT_JSON,
        REPORT_XLSX,
        payouts_text,
        report_json_text,
        write_report_xlsx,
    )

    sources = {escape_text(path): escape_text(name) for path, name in labels.items()}
    with (out / PAYOUTS_FILE).open(encoding="utf-8", newline="") as handle:
        rows = [dict(row) for row in csv.DictReader(handle)]
    for row in rows:
        row["source"] = sources.get(row.get("source", ""), row.get("source", ""))
    with OutputSet() as outputs:
        outputs.add(out / REPORT_JSON, report_json_text(entries))
        outputs.add(out / PAYOUTS_FILE, payouts_text(rows))
        outputs.add(out / REPORT_XLSX, lambda path: write_report_xlsx(entries, path))
        outputs.commit()
