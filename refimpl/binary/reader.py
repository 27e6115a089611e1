"""A byte reader over the whole module (spec 5.1, 5.2).

Like the spec interpreter's decoding stream, every read is checked against
the end of the *whole* input, not of the enclosing section: a section or
function body that is shorter than its contents is only caught afterwards,
by comparing positions ("section size mismatch").  Matching this keeps our
error messages identical to the interpreter's.

LEB128 reads mirror the interpreter's ``vuN``/``vsN``: a byte past the
encoding's maximum length is "integer representation too long", unused bits
of the last byte that are not a zero (or sign) extension are "integer too
large".  Short encodings take an inline fast path.
"""

from __future__ import annotations

import struct

from ..errors import MalformedModule

UNEXPECTED_END = "unexpected end of section or function"

_U32 = struct.Struct("<I")


class Reader:
    """A position in ``data``; methods read and advance."""

    __slots__ = ("data", "legacy_lengths", "pos", "size")

    def __init__(self, data: bytes, pos: int = 0, *, legacy_lengths: bool = False):
        self.data = data
        self.pos = pos
        self.size = len(data)
        # Wasm 1.0's interpreter bounded lengths by the whole input rather
        # than by what is left of it, so fewer are "length out of bounds".
        self.legacy_lengths = legacy_lengths

    # -- errors --------------------------------------------------------

    def error(self, message: str, pos: int | None = None) -> MalformedModule:
        return MalformedModule(message, self.pos if pos is None else pos)

    def eof(self) -> MalformedModule:
        return MalformedModule(UNEXPECTED_END, self.size)

    # -- bytes -----------------------------------------------------------

    def at_end(self) -> bool:
        return self.pos >= self.size

    def peek(self) -> int | None:
        pos = self.pos
        return self.data[pos] if pos < self.size else None

    def byte(self) -> int:
        pos = self.pos
        if pos >= self.size:
            raise self.eof()
        self.pos = pos + 1
        return self.data[pos]

    def expect(self, value: int, message: str) -> None:
        if self.byte() != value:
            raise self.error(message, self.pos - 1)

    def bytes(self, n: int) -> bytes:
        pos = self.pos
        if n < 0 or pos + n > self.size:
            raise self.eof()
        self.pos = pos + n
        return self.data[pos : pos + n]

    def skip(self, n: int) -> None:
        if n < 0 or self.pos + n > self.size:
            raise self.eof()
        self.pos += n

    def fixed_u32(self) -> int:
        """A little-endian 32-bit word (the header fields, f32 bits)."""
        pos = self.pos
        if pos + 4 > self.size:
            raise self.eof()
        self.pos = pos + 4
        return _U32.unpack_from(self.data, pos)[0]

    def fixed(self, n: int) -> int:
        """An ``n``-byte little-endian unsigned integer (f64 bits, v128)."""
        return int.from_bytes(self.bytes(n), "little")

    # -- LEB128 (spec 5.2.2) ---------------------------------------------

    def uleb(self, bits: int) -> int:
        """An unsigned LEB128 number of at most ``bits`` bits."""
        data, pos, size = self.data, self.pos, self.size
        result = shift = 0
        n = bits
        while True:
            if n <= 0:
                raise MalformedModule("integer representation too long", pos)
            if pos >= size:
                raise self.eof()
            b = data[pos]
            pos += 1
            if n < 7 and (b & 0x7F) >= 1 << n:
                raise MalformedModule("integer too large", pos - 1)
            result |= (b & 0x7F) << shift
            if b < 0x80:
                self.pos = pos
                return result
            shift += 7
            n -= 7

    def sleb(self, bits: int) -> int:
        """A signed LEB128 number of at most ``bits`` bits, as a Python int."""
        data, pos, size = self.data, self.pos, self.size
        result = shift = 0
        n = bits
        while True:
            if n <= 0:
                raise MalformedModule("integer representation too long", pos)
            if pos >= size:
                raise self.eof()
            b = data[pos]
            pos += 1
            if n < 7:
                mask = (-1 << (n - 1)) & 0x7F
                if b & mask not in (0, mask):
                    raise MalformedModule("integer too large", pos - 1)
            if b < 0x80:
                self.pos = pos
                value = b & 0x3F
                if b & 0x40:
                    value -= 0x40
                return result | (value << shift)
            result |= (b & 0x7F) << shift
            shift += 7
            n -= 7

    def u32(self) -> int:
        """One- and two-byte encodings inline (no check can reject them)."""
        pos = self.pos
        if pos + 1 < self.size:
            data = self.data
            b = data[pos]
            if b < 0x80:
                self.pos = pos + 1
                return b
            b2 = data[pos + 1]
            if b2 < 0x80:
                self.pos = pos + 2
                return (b & 0x7F) | (b2 << 7)
        return self.uleb(32)

    def u64(self) -> int:
        return self.uleb(64)

    def s32(self) -> int:
        return self._short_signed(32) if self.pos + 3 < self.size else self.sleb(32)

    def s33(self) -> int:
        return self.sleb(33)

    def s64(self) -> int:
        return self._short_signed(64) if self.pos + 3 < self.size else self.sleb(64)

    def _short_signed(self, bits: int) -> int:
        """Signed numbers of one to four bytes (most constants of real code
        and the segment offsets of Go modules), which no width's length or
        range checks can reject; longer ones go to ``sleb``.  Needs four
        bytes left in the input."""
        data, pos = self.data, self.pos
        b = data[pos]
        if b < 0x80:
            self.pos = pos + 1
            return b - 0x80 if b & 0x40 else b
        value = b & 0x7F
        for shift in (7, 14, 21):
            pos += 1
            b = data[pos]
            if b < 0x80:
                self.pos = pos + 1
                value |= b << shift
                return value - (0x80 << shift) if b & 0x40 else value
            value |= (b & 0x7F) << shift
        return self.sleb(bits)

    def s7(self) -> int:
        """A one-byte signed LEB128: how type constructors are encoded."""
        return self.sleb(7)

    # -- vectors and names (spec 5.1.3, 5.2.4) ---------------------------

    def length(self) -> int:
        """A vector length or byte count, which cannot exceed what is left
        of the input: this guards every allocation sized by the input."""
        pos = self.pos
        n = self.u32()
        if n > (self.size if self.legacy_lengths else self.size - pos):
            raise MalformedModule("length out of bounds", pos)
        return n

    def name(self) -> str:
        pos = self.pos
        raw = self.bytes(self.length())
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedModule("malformed UTF-8 encoding", pos) from None
