"""Helpers for the decoder and validator tests (not a test module):
hand-assembling binaries, converting text with wasm-tools, and the binary
modules of the official testsuite for robustness runs.

The testsuite is data outside the repository: WASM_TESTSUITE, else
../shared/testsuite next to the repository root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from refimpl.binary.encode import sleb, uleb

REPO = Path(__file__).resolve().parents[2]
HEADER = b"\x00asm\x01\x00\x00\x00"


# -- assembling ------------------------------------------------------------------


def u32(n: int) -> bytes:
    """Unsigned LEB128, shortest form."""
    return uleb(n)


def s64(n: int) -> bytes:
    """Signed LEB128, shortest form."""
    return sleb(n)


def vec(*items: bytes) -> bytes:
    return u32(len(items)) + b"".join(items)


def name(text: str) -> bytes:
    raw = text.encode()
    return u32(len(raw)) + raw


def section(sid: int, payload: bytes) -> bytes:
    return bytes([sid]) + u32(len(payload)) + payload


def module(*sections: bytes) -> bytes:
    return HEADER + b"".join(sections)


def func_type(params: bytes = b"", results: bytes = b"") -> bytes:
    return b"\x60" + vec(*[bytes([p]) for p in params]) + vec(*[bytes([r]) for r in results])


def body(code: bytes, locals_: bytes = b"\x00") -> bytes:
    """A code entry: ``locals_`` is the encoded vector of local groups."""
    content = locals_ + code
    return u32(len(content)) + content


def one_func(
    code: bytes, params: bytes = b"", results: bytes = b"", *extra: bytes, locals_: bytes = b"\x00"
) -> bytes:
    """A module with one function of the given type, locals and body (which
    must end with 0x0B), plus ``extra`` sections placed by id order."""
    sections = {
        1: section(1, vec(func_type(params, results))),
        3: section(3, vec(b"\x00")),
        10: section(10, vec(body(code, locals_))),
    }
    for s in extra:
        sections[s[0]] = s
    order = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 10, 11]
    return module(*[sections[i] for i in order if i in sections])


# -- tools and the testsuite --------------------------------------------------------


def wasm_tools() -> str | None:
    local = Path(sys.executable).with_name("wasm-tools")
    return str(local) if local.exists() else shutil.which("wasm-tools")


def wat(text: str) -> bytes:
    """Text to binary with ``wasm-tools parse``."""
    tool = wasm_tools()
    if tool is None:
        raise RuntimeError("wasm-tools not found")
    result = subprocess.run([tool, "parse", "-"], input=text.encode(), capture_output=True)
    if result.returncode != 0:
        raise ValueError(result.stderr.decode())
    return result.stdout


def testsuite_dir() -> Path | None:
    env = os.environ.get("WASM_TESTSUITE")
    root = Path(env) if env else REPO.parent / "shared" / "testsuite"
    return root if root.is_dir() else None


def corpus_modules(suite: str = "wasm-2.0", names: list[str] | None = None) -> list[bytes]:
    """Every .wasm that ``wasm-tools json-from-wast`` makes of the scripts
    ``names`` (default: all) of ``suite``; empty without the testsuite or
    wasm-tools."""
    root, tool = testsuite_dir(), wasm_tools()
    if root is None or tool is None or not (root / suite).is_dir():
        return []
    scripts = sorted((root / suite).glob("*.wast"))
    if names is not None:
        scripts = [s for s in scripts if s.stem in names]
    modules: list[bytes] = []
    with tempfile.TemporaryDirectory(prefix="refimpl-corpus-") as tmp:
        for script in scripts:
            out = Path(tmp) / script.stem
            out.mkdir()
            result = subprocess.run(
                [
                    tool,
                    "json-from-wast",
                    str(script),
                    "-o",
                    str(out / "x.json"),
                    "--wasm-dir",
                    str(out),
                ],
                capture_output=True,
            )
            if result.returncode == 0:
                modules += [p.read_bytes() for p in sorted(out.glob("*.wasm"))]
    return modules
