"""Numeric literals (spec 6.3.1-6.3.2) to bit patterns.

Integers accept both signed and unsigned ranges of their width; floats are
rounded to nearest-even from the exact value (decimal or hexadecimal), so an
f32 literal is never rounded twice.  Values out of range raise "constant
out of range"; a literal of the wrong form (a float where an integer must
be) raises "unexpected token", as the spec interpreter does.
"""

from __future__ import annotations

import math
import re
import struct
from fractions import Fraction

from .lexer import TextError

_INT = re.compile(r"[+-]?(?:0x[0-9A-Fa-f_]+|[0-9_]+)\Z")


class FloatFormat:
    def __init__(self, bits: int, mant: int, exp: int):
        self.bits, self.mant, self.exp = bits, mant, exp
        self.bias = (1 << (exp - 1)) - 1
        self.inf = ((1 << exp) - 1) << mant
        self.sign = 1 << (bits - 1)


F32 = FloatFormat(32, 23, 8)
F64 = FloatFormat(64, 52, 11)


def is_int(text: str) -> bool:
    return bool(_INT.match(text))


def to_int(text: str) -> int:
    """An integer literal's value (``is_int(text)`` holds); leading zeros
    are fine, and a literal too long to matter is out of range."""
    body = text.lstrip("+-").replace("_", "")
    if len(body) > 200:
        return 1 << 1024 if text[0] != "-" else -(1 << 1024)
    value = int(body[2:], 16) if body.startswith("0x") else int(body, 10)
    return -value if text[0] == "-" else value


def parse_uint(text: str, bits: int, line: int | None = None) -> int:
    """An unsigned literal (indices, alignments, limits) of ``bits`` bits."""
    if text.isdigit() and len(text) <= 200:  # most: plain decimal digits
        value = int(text)
    elif not is_int(text) or text[0] in "+-":
        raise TextError("unexpected token", line)
    else:
        value = to_int(text)
    if value >= 1 << bits:
        raise TextError(f"i{bits} constant out of range", line)
    return value


# Literals read before, by (text, width): scripts repeat the same few
# thousand values (the SIMD scripts most), and parsing them is a good part
# of reading a script.  Only successes are kept; errors carry their line.
_SEEN: dict[tuple[str, int], int] = {}
_SEEN_MAX = 200_000


def parse_int(text: str, bits: int, line: int | None = None, what: str = "") -> int:
    """A signed-or-unsigned integer literal as a ``bits``-bit pattern."""
    key = (text, bits)
    seen = _SEEN.get(key)
    if seen is not None:
        return seen
    value = _parse_int(text, bits, line, what)
    if len(_SEEN) < _SEEN_MAX:
        _SEEN[key] = value
    return value


def _parse_int(text: str, bits: int, line: int | None, what: str) -> int:
    digits = text[1:] if text[:1] == "-" else text
    if digits.isdigit() and len(digits) <= 200:  # most: plain decimal
        value = -int(digits) if digits is not text else int(digits)
    elif not is_int(text):
        raise TextError("unexpected token", line)
    else:
        value = to_int(text)
    if text[0] == "-":
        ok = value >= -(1 << (bits - 1))
    else:
        ok = value < 1 << bits
    if not ok:
        raise TextError(f"{what}constant out of range", line)
    return value & ((1 << bits) - 1)


def parse_float(text: str, fmt: FloatFormat, line: int | None = None) -> int:
    """A float literal as the bit pattern of ``fmt``."""
    key = (text, -fmt.bits)  # negative: apart from the integers' keys
    seen = _SEEN.get(key)
    if seen is not None:
        return seen
    value = _parse_float(text, fmt, line)
    if len(_SEEN) < _SEEN_MAX:
        _SEEN[key] = value
    return value


def _parse_float(text: str, fmt: FloatFormat, line: int | None) -> int:
    neg = text.startswith("-")
    body = text[1:] if text[0] in "+-" else text
    sign = fmt.sign if neg else 0
    if body == "inf":
        return sign | fmt.inf
    if body.startswith("nan"):
        if body == "nan":
            return sign | fmt.inf | (1 << (fmt.mant - 1))
        payload = int(body[4:].replace("_", ""), 16)
        if not 1 <= payload < 1 << fmt.mant:
            raise TextError("constant out of range", line)
        return sign | fmt.inf | payload
    body = body.replace("_", "")
    fast = _fast(body, fmt)
    if fast is not None:
        if fast < 0:
            raise TextError("constant out of range", line)
        return sign | fast
    exact = _exact(body, fmt)
    if exact is None:  # far beyond the format's range
        raise TextError("constant out of range", line)
    return sign | _round(exact, fmt, line)


def _fast(body: str, fmt: FloatFormat) -> int | None:
    """The bits through Python's correctly rounded ``float`` (-1: out of
    range), or None where only exact arithmetic is right: an f32 whose f64
    rounding landed exactly on an f32 midpoint (rounding twice could go the
    wrong way there, and only there: every f32 midpoint is an f64)."""
    try:
        d = float.fromhex(body) if body.startswith("0x") else float(body)
    except OverflowError:
        return -1
    except ValueError:
        return None
    if math.isinf(d):
        return -1
    if fmt is F64:
        return struct.unpack("<Q", struct.pack("<d", d))[0]
    if len(body) > 40 and not body.startswith("0x"):
        return None  # float() of many digits: keep to the exact path
    try:
        bits = struct.unpack("<I", struct.pack("<f", d))[0]
    except OverflowError:
        return None  # at or beyond the overflow threshold: decide exactly
    near = struct.unpack("<f", struct.pack("<I", bits))[0]
    if near == d:
        return bits
    other = bits + 1 if near < d else bits - 1
    if other < 0 or other >= F32.inf:
        return None
    twin = struct.unpack("<f", struct.pack("<I", other))[0]
    if (near + twin) / 2 == d:
        return None  # exactly on a midpoint after rounding to f64
    return bits


def _exact(body: str, fmt: FloatFormat) -> Fraction | None:
    """The literal's exact value; 0 for values far below the smallest
    subnormal, None far above the largest finite value (no giant powers)."""
    hexa = body.startswith("0x")
    if hexa:
        body = body[2:]
        mant, _, exp = body.partition("p") if "p" in body else body.partition("P")
        radix, step = 16, 4
    else:
        mant, _, exp = body.partition("e") if "e" in body else body.partition("E")
        radix, step = 10, 0
    whole, _, frac = mant.partition(".")
    digits = (whole + frac).lstrip("0") or "0"
    e = int(exp) if exp and len(exp.lstrip("+-")) < 10 else 0
    if exp and len(exp.lstrip("+-")) >= 10:
        e = -(10**9) if exp.startswith("-") else 10**9
    if digits == "0":
        return Fraction(0)
    # The magnitude, roughly: radix ** (e + len(whole) - leading zeros ...).
    if whole.strip("0"):
        scale = len(whole.lstrip("0"))
    else:
        scale = -(len(frac) - len(frac.lstrip("0")))
    limit = fmt.bias + fmt.mant + 10
    if hexa:
        magnitude = scale * step + e
    else:
        magnitude = int((scale + e) * 3.33)
    if magnitude > limit:
        return None
    if magnitude < -2 * limit:
        return Fraction(0)
    if len(digits) > 2000:  # more digits than any rounding can use
        digits_kept = (whole + frac)[:2000]
        m = int(digits_kept, radix) * radix ** (len(whole + frac) - 2000)
    else:
        m = int(whole + frac or "0", radix)
    if hexa:
        return Fraction(m) * Fraction(2) ** (e - 4 * len(frac))
    return Fraction(m) * Fraction(10) ** (e - len(frac))


def _round(value: Fraction, fmt: FloatFormat, line: int | None) -> int:
    """Round a non-negative exact value to nearest-even in ``fmt``."""
    if value == 0:
        return 0
    emin = 1 - fmt.bias
    # Exponent e with 2**e <= value < 2**(e+1).
    e = value.numerator.bit_length() - value.denominator.bit_length()
    if Fraction(2) ** e > value:
        e -= 1
    e = max(e, emin)
    # The value in units of the last place at exponent e.
    scaled = value / Fraction(2) ** (e - fmt.mant)
    q, r = divmod(scaled.numerator, scaled.denominator)
    twice = 2 * r
    if twice > scaled.denominator or (twice == scaled.denominator and q & 1):
        q += 1
    if q >= 1 << (fmt.mant + 1):  # rounding carried into the next binade
        q >>= 1
        e += 1
    if q < 1 << fmt.mant:  # subnormal (only when e == emin)
        return q
    biased = e + fmt.bias
    if biased >= (1 << fmt.exp) - 1:
        raise TextError("constant out of range", line)
    return (biased << fmt.mant) | (q - (1 << fmt.mant))
