"""Runs the task-pane scripts of a generated main.py on stand-in books, in whichever Python runs it (CPython
or Pyodide). ``run(job_json_path)``: the job is ``{"books": [{"model": book model, "scripts": [names]}]}``;
returns JSON ``{"python", "platform", "modules", "scripts", "books": [{"reports", "errors", "actions", "log",
"seconds"}]}``, each book's ``actions`` what its scripts changed, in order (``["value", sheet, cell, what]``,
``["add", sheet]``, ``["clear", sheet, range]``)."""

import contextlib
import io
import json
import sys
import time
import typing


def _call(script, book, book_type):
    """Call a script as xlwings Lite does: the open workbook goes to the parameter annotated xlwings.Book."""
    hints = typing.get_type_hints(script)
    [parameter] = [name for name, hint in hints.items() if hint is book_type and name != "return"]
    return script(**{parameter: book})


def run(job_path):
    import main
    import xlwings

    with open(job_path, encoding="utf-8") as handle:
        job = json.load(handle)
    books = []
    for one in job["books"]:
        book = xlwings.Book(one["model"])
        reports, errors, seconds = [], [], []
        log = io.StringIO()
        for name in one["scripts"]:
            started = time.perf_counter()
            try:
                with contextlib.redirect_stdout(log):
                    reports.append(_call(getattr(main, name), book, xlwings.Book))
                errors.append(None)
            except Exception as error:  # what xlwings Lite shows in its log when a script fails
                reports.append(None)
                errors.append(f"{type(error).__name__}: {error}")
            seconds.append(round(time.perf_counter() - started, 3))
        books.append({"reports": reports, "errors": errors, "actions": book.actions, "log": log.getvalue(),
                      "seconds": seconds})
    return json.dumps({
        "python": sys.version.split()[0],
        "platform": sys.platform,
        "modules": sorted(m.split(".")[0] for m in sys.modules),
        "scripts": sorted(xlwings.SCRIPTS),
        "books": books,
    })
