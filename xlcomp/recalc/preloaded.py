"""The last of the batch's fork-server preloads (``WORKER_PRELOAD``): in the fork server, and only
there, it moves every object the preloads created into the collector's permanent generation
(:func:`gc.freeze`, what Python's documentation advises before forking without exec).

A worker forked from the server shares those pages with it until it writes to them, and a full
collection in the worker writes into every object it traverses: some 15,000 page copies in a worker's
first upload. Frozen objects are never traversed, so a worker starts its first upload with some 11,000
(``docs/benchmarks.md``). Imported anywhere else (a test, a host that imports the package's modules
one by one), it changes nothing: a library never changes its host's collector.
"""

from __future__ import annotations

import gc
import sys
from types import FrameType


def in_fork_server() -> bool:
    """Is this import running inside the fork server's ``main`` (as it preloads its modules)?"""
    server = sys.modules.get("multiprocessing.forkserver")
    main = getattr(server, "main", None)
    code = getattr(main, "__code__", None)
    frame: FrameType | None = sys._getframe()
    while frame is not None and code is not None:
        if frame.f_code is code:
            return True
        frame = frame.f_back
    return False


if in_fork_server():
    gc.collect()
    gc.freeze()
