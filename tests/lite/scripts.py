"""Runs the task-pane scripts of a generated main.py on a stand-in book, in whichever Python runs it (CPython
or Pyodide): ``run(job_json_path)`` with ``{"model": book model, "scripts": [names]}`` returns JSON
``{"python", "platform", "modules", "scripts", "reports", "writes", "log"}``."""

import contextlib
import io
import json
import sys


def run(job_path):
    import main
    import xlwings

    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    book = xlwings.Book(job["model"])
    reports = []
    log = io.StringIO()
    for name in job["scripts"]:
        with contextlib.redirect_stdout(log):
            reports.append(getattr(main, name)(book))
    writes = [[sheet, ref, what, value] for sheet, ref, what, value in book.writes]
    return json.dumps({
        "python": sys.version.split()[0],
        "platform": sys.platform,
        "modules": sorted(m.split(".")[0] for m in sys.modules),
        "scripts": sorted(xlwings.SCRIPTS),
        "reports": reports,
        "writes": writes,
        "log": log.getvalue(),
    })
