"""Checks of the real programs' outputs that owe nothing to a Wasm runtime:
a reference XXH64 and an LZ4 block decoder, in plain Python (the standard
library has neither).  Slow but linear: about a second per MiB."""

from __future__ import annotations

_M64 = (1 << 64) - 1
_P1, _P2, _P3 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9
_P4, _P5 = 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5


def _rotl(x: int, r: int) -> int:
    return ((x << r) | (x >> (64 - r))) & _M64


def _round(acc: int, lane: int) -> int:
    return _rotl((acc + lane * _P2) & _M64, 31) * _P1 & _M64


def xxh64(data: bytes, seed: int = 0) -> int:
    """XXH64 as its specification (xxhash.com, doc/xxhash_spec.md) gives it."""
    n, i = len(data), 0
    if n >= 32:
        acc = [(seed + _P1 + _P2) & _M64, (seed + _P2) & _M64, seed, (seed - _P1) & _M64]
        while i + 32 <= n:
            for k in range(4):
                acc[k] = _round(acc[k], int.from_bytes(data[i + 8 * k : i + 8 * k + 8], "little"))
            i += 32
        h = (_rotl(acc[0], 1) + _rotl(acc[1], 7) + _rotl(acc[2], 12) + _rotl(acc[3], 18)) & _M64
        for a in acc:
            h = ((h ^ _round(0, a)) * _P1 + _P4) & _M64
    else:
        h = (seed + _P5) & _M64
    h = (h + n) & _M64
    while i + 8 <= n:
        h = (_rotl(h ^ _round(0, int.from_bytes(data[i : i + 8], "little")), 27) * _P1 + _P4) & _M64
        i += 8
    if i + 4 <= n:
        h = _rotl(h ^ (int.from_bytes(data[i : i + 4], "little") * _P1 & _M64), 23) * _P2 + _P3
        h &= _M64
        i += 4
    while i < n:
        h = _rotl(h ^ (data[i] * _P5 & _M64), 11) * _P1 & _M64
        i += 1
    h = (h ^ (h >> 33)) * _P2 & _M64
    h = (h ^ (h >> 29)) * _P3 & _M64
    return h ^ (h >> 32)


class LZ4Error(ValueError):
    pass


def lz4_block_decode(block: bytes, size: int) -> bytes:
    """An LZ4 block (lz4.org's block format) to the ``size`` bytes it encodes."""
    out = bytearray()
    i = 0

    def length(n: int) -> int:
        nonlocal i
        if n == 15:
            while True:
                if i >= len(block):
                    raise LZ4Error("truncated length")
                b = block[i]
                i += 1
                n += b
                if b != 255:
                    break
        return n

    while i < len(block):
        token = block[i]
        i += 1
        literals = length(token >> 4)
        out += block[i : i + literals]
        i += literals
        if i >= len(block):  # the last sequence has literals only
            break
        offset = int.from_bytes(block[i : i + 2], "little")
        i += 2
        if offset == 0 or offset > len(out):
            raise LZ4Error(f"bad offset {offset}")
        for _ in range(length(token & 15) + 4):  # a match may overlap its output
            out.append(out[-offset])
    if len(out) != size:
        raise LZ4Error(f"decoded {len(out)} bytes, expected {size}")
    return bytes(out)
