"""``xlcomp lite``: the worksheet functions for xlwings Lite (main.py and requirements.txt)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xlcomp.cli import app, console
from xlcomp.errors import UsageError


@app.command()
def lite(
    out: Annotated[Path, typer.Option("--out", "-o", help="The folder to write main.py and requirements.txt in.")],
) -> None:
    """Write main.py and requirements.txt for xlwings Lite: every worksheet function (=CSM_TIERED, =CS_GRR,
    ...) in Excel on Windows, Mac and the web, with nothing to install but the xlwings Lite add-in."""
    from xlcomp.functions import REGISTRY
    from xlcomp.functions.lite import write_lite

    if out.exists() and not out.is_dir():
        raise UsageError(f'--out "{out}" is a file: name a folder')
    written = write_lite(out)
    console.print(f"[green]✓[/green] {', '.join(str(p) for p in written)}: {len(REGISTRY)} functions; paste them "
                  "into xlwings Lite's main.py and requirements.txt", highlight=False)
