"""Searches that jump from one rare byte to the next instead of trying a pattern at every ``<``.

A worksheet's XML is mostly cells (``<c r="D2" s="24"><v>46900</v></c>``): ``<`` is every ninth
byte, so a search for ``<f`` or ``<!`` (a literal prefix search, or a regular expression with that
prefix) stops two million times in the 31 MB Accounts sheet of a large upload and takes 20–50 ms.
Most letters hardly occur there (``f`` 87 times, ``h`` 106, ``g`` 79, ``!`` once), and
:meth:`bytes.find` of one byte is a ``memchr`` that crosses the 31 MB in about a millisecond. So
each search here finds the occurrences of one byte of what it looks for (the *anchor*) and checks
around each; what it answers is exactly what the plain search answers (property-tested against
it). When the anchor turns out to be common (more than ``limit`` occurrences looked at), the rest
is left to the plain search, so a sheet full of the anchor costs little more than before.
"""

from __future__ import annotations

import re

__all__ = ["find", "search"]

_LIMIT = 2048


def find(data: bytes, needle: bytes, anchor: int = 0, limit: int = _LIMIT) -> int:
    """``data.find(needle)``: the first occurrence's start, -1 when there is none; found by jumping from
    one occurrence of ``needle[anchor]`` to the next (choose the needle's rarest byte)."""
    byte = needle[anchor:anchor + 1]
    position = data.find(byte, anchor)
    looked = 0
    while position >= 0:
        start = position - anchor
        if data.startswith(needle, start):
            return start
        looked += 1
        if looked > limit:  # a common byte: the plain search, from the first start not yet ruled out
            return data.find(needle, start + 1)
        position = data.find(byte, position + 1)
    return -1


def search(data: bytes, pattern: re.Pattern[bytes], anchor: bytes, offset: int, limit: int = _LIMIT) -> bool:
    """``pattern.search(data) is not None``, for a pattern every match of which has the byte ``anchor``
    ``offset`` bytes after its start (``<!`` patterns: ``!`` at 1): the pattern is tried only there."""
    position = data.find(anchor, offset)
    looked = 0
    while position >= 0:
        start = position - offset
        if pattern.match(data, start):
            return True
        looked += 1
        if looked > limit:
            return pattern.search(data, start + 1) is not None
        position = data.find(anchor, position + 1)
    return False
