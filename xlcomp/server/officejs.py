"""The Office.js add-in's files, generated from the worksheet-function registry.

``functions.json`` is the custom-functions metadata Excel reads (names, descriptions, parameters);
``functions.js`` associates each function with code that sends the call to this server (calls made
in the same recalculation travel together through ``/api/batch``); ``manifest.xml`` is the add-in
manifest that points Excel at all of them under the namespace ``XLCOMP``. The same registry makes
the xlwings UDFs, so the two never list different functions.

The manifest sets up a shared runtime, as Microsoft recommends for custom functions: the ``SharedRuntime``
requirement and one long-lived ``<Runtime>`` on ``taskpane.html``, which is also the functions' page and function
file, so the functions and the task pane share one JavaScript runtime (``taskpane.html`` loads ``office.js``, then
``functions.js``). ``tests/server/test_officejs.py`` validates the manifest against Microsoft's schemas.
"""

from __future__ import annotations

import re
import struct
import zlib
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from xlcomp._version import __version__
from xlcomp.functions import REGISTRY, FunctionSpec, Param

__all__ = [
    "ADDIN_ID",
    "ICON_SIZES",
    "NAMESPACE",
    "functions_metadata",
    "icon_png",
    "render",
]

# The add-in's identity: one fixed GUID, so Excel sees a new version of the same add-in, not a new one.
ADDIN_ID = "041d6843-cba2-49d8-a423-5509c1f10050"
NAMESPACE = "XLCOMP"
ICON_SIZES = (16, 32, 64, 80)
TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "addin"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape(
        enabled_extensions=("html", "xml"), default_for_string=False), undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True)


def _office_type(param: Param) -> str:
    # "any" lets an empty cell arrive as empty (no data) and text arrive as text, so the server
    # can answer with its own message rather than Excel's bare #VALUE!.
    return "string" if param.kind == "text" else "any"


def _function_metadata(spec: FunctionSpec, base_url: str) -> dict[str, Any]:
    return {
        "id": spec.name,
        "name": spec.name,
        "description": spec.description,
        "helpUrl": f"{base_url}/taskpane.html#{spec.name}",
        "result": {"type": "number", "dimensionality": "scalar"},
        "parameters": [
            {"name": p.name, "description": p.description, "type": _office_type(p),
             "dimensionality": p.dimensionality, "optional": p.optional}
            for p in spec.params
        ],
    }


def functions_metadata(base_url: str) -> dict[str, Any]:
    """The custom-functions metadata (``functions.json``) for every registry function."""
    return {"functions": [_function_metadata(spec, base_url) for spec in REGISTRY.values()]}


def manifest_version() -> str:
    """The package version as an add-in manifest version (digits and dots, up to four parts)."""
    parts = [re.sub(r"\D.*", "", part) or "0" for part in __version__.split(".")[:4]]
    while len(parts) < 4:
        parts.append("0")
    return ".".join(parts)


def render(template: str, base_url: str, **context: Any) -> str:
    """Render one of the add-in templates (``manifest.xml``, ``functions.js``, ``functions.html``,
    ``taskpane.html``) for a server reached at ``base_url``."""
    return _environment().get_template(template).render(
        base_url=base_url, addin_id=ADDIN_ID, namespace=NAMESPACE, version=__version__,
        manifest_version=manifest_version(), functions=list(REGISTRY.values()), icon_sizes=ICON_SIZES, **context)


@cache
def icon_png(size: int) -> bytes:
    """The add-in's icon: a square PNG of ``size`` pixels (teal with a white bar chart)."""
    if size not in ICON_SIZES:
        raise ValueError(f"no icon of size {size}")
    teal, white = b"\x00\x80\x80", b"\xff\xff\xff"
    bars = ((0.22, 0.55), (0.42, 0.35), (0.62, 0.18))  # (left edge, top) as fractions; bars end at 0.8
    rows = []
    for y in range(size):
        row = bytearray(b"\x00")  # filter: none
        for x in range(size):
            fx, fy = (x + 0.5) / size, (y + 0.5) / size
            on_bar = any(left <= fx < left + 0.14 and top <= fy < 0.8 for left, top in bars)
            row += white if on_bar else teal
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + chunk(b"IEND", b""))
