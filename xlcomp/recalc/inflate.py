"""A zip member's bytes in chunks, decompressed on a second thread while the caller checks the last.

:mod:`zlib` inflates and :func:`zlib.crc32` sums without holding Python's lock, so for a large member
(an upload's 31 MB Accounts sheet) the intake's searches over one chunk run while the next is
decompressed: the two take about as long, and the check of the member that is read ahead
(:mod:`xlcomp.recalc.ahead`) ends sooner. At most two chunks wait decompressed, so the memory a
member can take is bounded as in a plain loop; the chunks and any error (a bad CRC, damaged data)
arrive in the order, and at the point, a plain ``handle.read`` loop gives them.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import IO

__all__ = ["chunks"]

_WAITING = 2


@contextmanager
def chunks(handle: IO[bytes], size: int, threaded: bool) -> Iterator[Iterator[bytes]]:
    """The chunks of ``handle.read(size)`` until it gives ``b""``; ``threaded``: read on a thread of
    their own (stopped and joined when the block ends, however it ends)."""
    if not threaded:
        yield iter(lambda: handle.read(size), b"")
        return
    pending: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=_WAITING)
    stop = threading.Event()

    def produce() -> None:
        try:
            while not stop.is_set():
                chunk = handle.read(size)
                pending.put(chunk)
                if not chunk:
                    return
        except BaseException as exc:  # handed to the reader, where the plain loop would raise it
            pending.put(exc)

    def consume() -> Iterator[bytes]:
        while True:
            item = pending.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                return
            yield item

    thread = threading.Thread(target=produce, name="xlcomp-inflate", daemon=True)
    thread.start()
    try:
        yield consume()
    finally:
        stop.set()
        while thread.is_alive():  # a producer waiting to put a chunk is let go
            with suppress(queue.Empty):
                pending.get(timeout=0.01)
        thread.join()
