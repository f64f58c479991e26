"""A PDF printing process for :class:`xlcomp.statements.render.PdfPrinter`.

Reads one JSON job per line on stdin (``html``, ``target``, ``attachments`` as ``[name, base64]``),
prints it with WeasyPrint, and answers one JSON line on stdout: ``{"ok": true}`` or
``{"ok": false, "error": "..."}``. Ends when stdin closes.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path


def main() -> int:
    """Serve print jobs until stdin closes."""
    from xlcomp.statements.render import PdfRenderer

    renderer = PdfRenderer()
    out = sys.stdout.buffer
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        try:
            job = json.loads(line)
            attachments = tuple((str(name), base64.b64decode(data)) for name, data in job.get("attachments", []))
            renderer.write(str(job["html"]), Path(job["target"]), attachments)
            reply: dict[str, object] = {"ok": True}
        except Exception as exc:  # reported to the parent, which raises it
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(reply).encode("utf-8") + b"\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
