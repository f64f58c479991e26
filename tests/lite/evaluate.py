"""Calls the generated main.py on cases, in whichever Python runs it (CPython or Pyodide); the same file
serves both, so both are checked the same way against xlcomp's registry.

``run(cases_json_path)`` returns JSON: ``{"python", "modules", "functions", "results"}`` where each result is
``{"value": float}`` or ``{"error": code, "message": text}`` (the message from the bundled registry).
"""

import contextlib
import io
import json
import sys


def run(cases_path):
    import main
    import xlwings

    with open(cases_path, encoding="utf-8") as handle:
        cases = json.load(handle)
    bundled = main._registry.REGISTRY
    results = []
    log = io.StringIO()  # the messages main.py prints for the task pane's log
    for name, args in cases:
        with contextlib.redirect_stdout(log):
            cell = getattr(main, name)(*args)
        if isinstance(cell, float):
            results.append({"value": cell})
        else:
            message = bundled[name](*args).message
            assert f"{name}: {cell} {message}".strip() in log.getvalue(), (name, args)
            results.append({"error": str(cell), "message": message, "type": type(cell).__name__})
    functions = {}
    for name, f in xlwings.FUNCTIONS.items():
        code = f.__code__
        params = list(code.co_varnames[:code.co_argcount])
        defaults = list(f.__defaults__ or ())
        functions[name] = {"params": params, "optional": params[len(params) - len(defaults):],
                           "defaults": defaults, "args": f.__xlfunc__["args"], "doc": f.__doc__}
    return json.dumps({
        "python": sys.version.split()[0],
        "platform": sys.platform,
        "modules": sorted(m.split(".")[0] for m in sys.modules),
        "functions": functions,
        "results": results,
    })
