"""Runs the task-pane scripts of a generated main.py on stand-in books, in whichever Python runs it (CPython
or Pyodide). ``run(job_json_path)``: the job is ``{"books": [{"model": book model, "scripts": [names]}]}``;
returns JSON ``{"python", "platform", "modules", "scripts", "books": [{"reports", "writes", "log", "seconds"}]}``,
each book's ``writes`` being ``[sheet, cell, "value" or "formula", what]`` in the order written."""

import contextlib
import io
import json
import sys
import time


def run(job_path):
    import main
    import xlwings

    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    books = []
    for one in job["books"]:
        book = xlwings.Book(one["model"])
        reports, seconds = [], []
        log = io.StringIO()
        for name in one["scripts"]:
            started = time.perf_counter()
            with contextlib.redirect_stdout(log):
                reports.append(getattr(main, name)(book))
            seconds.append(round(time.perf_counter() - started, 3))
        books.append({"reports": reports, "writes": [list(write) for write in book.writes], "log": log.getvalue(),
                      "seconds": seconds})
    return json.dumps({
        "python": sys.version.split()[0],
        "platform": sys.platform,
        "modules": sorted(m.split(".")[0] for m in sys.modules),
        "scripts": sorted(xlwings.SCRIPTS),
        "books": books,
    })
