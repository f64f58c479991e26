"""A zip member's bytes in chunks, decompressed on a second thread while the caller checks the last;
and a member opened to be inflated with Intel's ISA-L.

:mod:`zlib` inflates and :func:`zlib.crc32` sums without holding Python's lock, so for a large member
(an upload's 31 MB Accounts sheet) the intake's searches over one chunk may run while the next is
decompressed. In practice they mostly take turns: the decompressor takes the lock back between its
output blocks, which the searching thread holds (docs/benchmarks.md, "the floor"); a faster
decompressor (below) is what shortens the check. At most two chunks wait decompressed, so the memory
a member can take is bounded as in a plain loop; the chunks and any error (a bad CRC, damaged data)
arrive in the order, and at the point, a plain ``handle.read`` loop gives them.

:func:`open_member` opens a member of an archive held in memory as :meth:`zipfile.ZipFile.open` does,
with the same checks (the local header, its name, the CRC, a stream cut short), but inflates it with
ISA-L (the ``isal`` package: 3–4 times faster than zlib; an upload's 31 MB Accounts sheet in 11 ms,
not 41) when it is installed; anything else (encrypted members, other compressions, no ``isal``) is
opened by :mod:`zipfile` itself.
"""

from __future__ import annotations

import io
import queue
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import ModuleType
from typing import IO, Any, cast

from xlcomp.ooxml.zipwriter import LOCAL_HEADER, LOCAL_SIGNATURE, UTF8_NAME

__all__ = ["chunks", "open_member"]

_fast: ModuleType | None
try:
    from isal import isal_zlib as _fast
except ImportError:  # pragma: no cover - isal is a dependency; zipfile's zlib reads the same members
    _fast = None

_SIGNATURE, _FLAGS, _NAME_LENGTH, _EXTRA_LENGTH = 0, 3, 10, 11   # its fields used here
_OTHER_FORMS = 0x1 | 0x20 | 0x40  # encrypted, compressed patched data, strong encryption: zipfile's to refuse
_INPUT = 256 * 1024  # compressed bytes handed to the decompressor at a time

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


def open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, zlib: ModuleType | None = _fast) -> IO[bytes]:
    """``archive.open(info)``, inflated with ``zlib`` (ISA-L's, by default) when the archive is held in
    memory (a :class:`io.BytesIO`) and the member is stored or deflated and not encrypted; raises what
    ``archive.open`` and its reads raise for a damaged member (:class:`zipfile.BadZipFile`,
    :class:`EOFError`)."""
    fp = getattr(archive, "fp", None)
    if zlib is None or not isinstance(fp, io.BytesIO) or info.flag_bits & _OTHER_FORMS \
            or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return archive.open(info)
    data = fp.getbuffer()
    try:
        start = info.header_offset
        header = data[start:start + LOCAL_HEADER.size]
        if len(header) != LOCAL_HEADER.size:
            raise zipfile.BadZipFile("Truncated file header")
        fields = LOCAL_HEADER.unpack(header)
        if fields[_SIGNATURE] != LOCAL_SIGNATURE:
            raise zipfile.BadZipFile("Bad magic number for file header")
        start += LOCAL_HEADER.size
        name = bytes(data[start:start + fields[_NAME_LENGTH]])
        start += fields[_NAME_LENGTH] + fields[_EXTRA_LENGTH]
        if name.decode("utf-8" if fields[_FLAGS] & UTF8_NAME else "cp437") \
                != info.orig_filename:
            raise zipfile.BadZipFile(f"File name in directory {info.orig_filename!r} and header {name!r} differ.")
        compressed = bytes(data[start:start + info.compress_size])
    finally:
        data.release()
    return cast(IO[bytes], _Member(info, compressed, zlib))


class _Member(io.RawIOBase):
    """One member's bytes, inflated (or copied, when stored) as read, its CRC checked at the end."""

    def __init__(self, info: zipfile.ZipInfo, compressed: bytes, zlib: ModuleType) -> None:
        super().__init__()
        self._name = info.filename
        self._expected = info.CRC
        self._left = info.file_size   # read no more than the member declares (then its CRC decides), as zipfile does
        self._view = memoryview(compressed)
        self._short = len(compressed) < info.compress_size   # the archive ends within the member
        self._position = 0
        self._crc = 0
        self._zlib = zlib
        self._inflate: Any = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
        self._tail: bytes | memoryview = b""
        self._ready = b""   # inflated, not read yet
        self._done = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = size if size >= 0 else 1 << 62
        parts, have = [self._ready], len(self._ready)   # joined once: a read of everything copies it once
        while have < size and not self._done:
            parts.append(self._produce(size - have))
            have += len(parts[-1])
        data = b"".join(parts) if len(parts) > 1 else parts[0]
        out, self._ready = data[:size], data[size:]
        return out

    def _produce(self, size: int) -> bytes:
        """Up to ``size`` more bytes (more at the stream's end: what was left with it)."""
        ended = False
        size = min(size, self._left)   # never more than the member declares: a lying one cannot grow a buffer
        if not size:   # nothing (more) declared: the CRC decides (what zipfile does with a member of 0 bytes)
            out = b""
            ended = True
        elif self._inflate is None:
            out = bytes(self._view[self._position:self._position + size])
            self._position += len(out)
            ended = self._position >= len(self._view)
            if ended and self._short:
                raise EOFError   # as zipfile raises it: the archive ends within the member
        else:
            out = b""
            while not out:
                if not self._tail:
                    self._tail = self._view[self._position:self._position + _INPUT]
                    self._position += len(self._tail)
                out = self._inflate.decompress(self._tail, size)
                self._tail = self._inflate.unconsumed_tail
                if self._inflate.eof:
                    ended = True
                    break
                if self._position >= len(self._view) and not self._tail:
                    if self._short:
                        raise EOFError   # as zipfile raises it: the archive ends within the member
                    ended = True   # all its data read: what the decompressor still holds (a match cut short) with it
                    out += self._inflate.flush()
                    break
        out = out[:self._left]
        self._left -= len(out)
        self._crc = self._zlib.crc32(out, self._crc)
        if ended or not self._left:
            self._done = True
            if self._crc != self._expected:
                raise zipfile.BadZipFile(f"Bad CRC-32 for file {self._name!r}")
        return out

    def close(self) -> None:
        self._view.release()
        super().close()
