"""The branch hinting proposal's custom section, ``metadata.code.branch_hint``:
for some functions, hints on their ``if``/``br_if`` instructions (0:
likely not taken, 1: likely taken), each naming its instruction by byte
offset in the function's body.

Hints are advice, never semantics: a module with a malformed hint section
is the same module (the section stays a plain custom section, as the
decoder keeps every custom section), so reading one is lenient
(``read_branch_hints`` gives None), and only ``decode_branch_hints``
raises, for tools that want the reason.
"""

from __future__ import annotations

from ..errors import MalformedModule
from ..syntax.module import Module
from .encode import uleb
from .reader import Reader

SECTION_NAME = "metadata.code.branch_hint"

# function index -> ((instruction offset, hint value), ...), in the order written.
BranchHints = dict[int, tuple[tuple[int, int], ...]]


def encode_branch_hints(hints: BranchHints) -> bytes:
    """The section's contents (its name not included): functions in
    increasing index order, each hint with its one-byte value."""
    out = bytearray(uleb(len(hints)))
    for func in sorted(hints):
        out += uleb(func) + uleb(len(hints[func]))
        for offset, value in hints[func]:
            out += uleb(offset) + b"\x01" + bytes((value,))
    return bytes(out)


def decode_branch_hints(data: bytes) -> BranchHints:
    """The hints a section's contents hold; ``MalformedModule`` for a
    section that doesn't decode (a hint's length is always 1, its value 0
    or 1)."""
    r = Reader(data)
    hints: BranchHints = {}
    for _ in range(r.u32()):
        func = r.u32()
        entries = []
        for _ in range(r.u32()):
            offset = r.u32()
            pos = r.pos
            if r.u32() != 1:
                raise MalformedModule("malformed branch hint length", pos)
            value = r.byte()
            if value > 1:
                raise MalformedModule("malformed branch hint value", r.pos - 1)
            entries.append((offset, value))
        hints[func] = tuple(entries)
    if r.pos != len(data):
        raise MalformedModule("unexpected content after last hint", r.pos)
    return hints


def read_branch_hints(module: Module) -> BranchHints | None:
    """The module's branch hints, or None when it has no hint section or
    its section is malformed (ignored, as engines ignore it)."""
    for custom in module.customs:
        if custom.name == SECTION_NAME:
            try:
                return decode_branch_hints(custom.data)
            except MalformedModule:
                return None
    return None
