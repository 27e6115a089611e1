"""Dialects of .wast: the spec's, and other runtimes' own test suites.

wasmtime's ``tests/misc_testsuite`` is written for wasmtime's runner
(``crates/test-util/src/wast.rs``), which differs from the spec's:

- leading ``;;! key = value`` lines (TOML) turn features on or off for the
  file (``;;! gc = true``): here they become the profile's flags;
- a module with an id, ``(module $m ...)``, is importable as ``"m"``
  without ``register``: the runner registers it (``auto_register``);
- expected texts are wasmtime's, matched as substrings of its error chain:
  wasmtime is judged by ``substring``, other engines by category (the spec
  text found inside the expected one);
- ``thread``/``wait`` run a script in another thread: not supported here
  (the converters reject them; the commands are reported with the reason).

A file is in the wasmtime dialect when it has ``;;!`` header lines or when
asked (``--dialect wasmtime``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .messages import MessagePolicy

SPEC = "spec"
WASMTIME = "wasmtime"
DIALECTS = ("auto", SPEC, WASMTIME)

# wasmtime's feature keys that are refimpl's flags of the same name.
_FLAGS = frozenset(
    {
        "bulk_memory",
        "reference_types",
        "simd",
        "relaxed_simd",
        "memory64",
        "multi_memory",
        "tail_call",
        "extended_const",
        "function_references",
        "exceptions",
        "gc",
        "threads",
        "wide_arithmetic",
        "custom_page_sizes",
        "legacy_exceptions",
    }
)
# Keys that are wasmtime configuration, not a Wasm feature: no flag.
_CONFIG_ONLY = frozenset({"hogs_memory", "branch_hinting", "gc_types", "spec_test"})
# Keys no engine here can honour, with the reason every command gets.
UNSUPPORTED_KEYS = {
    "stack_switching": "stack switching is a proposal no engine of the harness implements",
    "nan_canonicalization": "NaN canonicalization is a wasmtime configuration "
    "(results differ by design without it)",
    "component_model": "the component model is not core Wasm",
}
# The profile wasmtime's runner starts from: its default features are Wasm 3.0's.
BASE_PROFILE = "3.0"


@dataclass(frozen=True)
class Dialect:
    name: str = SPEC
    header: dict = field(default_factory=dict)  # the ;;! keys, for wasmtime

    @property
    def auto_register(self) -> bool:
        return self.name == WASMTIME

    @property
    def foreign_texts(self) -> bool:
        """Expected texts are another runtime's, not the spec interpreter's."""
        return self.name == WASMTIME

    @property
    def unprovided_modules(self) -> dict[str, str]:
        """Host modules the dialect's scripts may import that no engine here
        provides, with the reason a module importing them is unsupported."""
        if self.name != WASMTIME:
            return {}
        return {"wasmtime": "the host module of wasmtime's own runner is provided by no engine"}

    def policy(self, engine_name: str, own: MessagePolicy) -> MessagePolicy:
        """The message policy for an engine in this dialect: the suite's
        runtime by its runner's rule, others by category."""
        if self.name != WASMTIME:
            return own
        if engine_name == "wasmtime":
            return MessagePolicy.SUBSTRING
        return MessagePolicy.IGNORE if own == MessagePolicy.IGNORE else MessagePolicy.CATEGORIES

    def profile(self) -> str | None:
        """The profile the header asks for (None: the spec dialect's own)."""
        if self.name != WASMTIME:
            return None
        flags = []
        for key, on in self.header.items():
            if key in _FLAGS and isinstance(on, bool):
                flags.append(("+" if on else "-") + key)
        return ",".join([BASE_PROFILE, *flags])

    def unsupported(self) -> str | None:
        """Why no engine here can run the file, if a header key says so."""
        for key, why in UNSUPPORTED_KEYS.items():
            if self.header.get(key):
                return f";;! {key}: {why}"
        unknown = [k for k in self.header if k not in _FLAGS | _CONFIG_ONLY | set(UNSUPPORTED_KEYS)]
        if unknown:
            return f";;! {', '.join(sorted(unknown))}: unknown wasmtime feature"
        return None


def header_lines(text: str) -> list[str]:
    """The leading ``;;!`` lines (after blank lines and comments)."""
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(";;!"):
            out.append(stripped[3:].strip())
        elif stripped and not stripped.startswith(";;"):
            break
    return out


def detect(path: Path, asked: str = "auto") -> Dialect:
    """The file's dialect: ``asked`` unless auto; auto is wasmtime when the
    file has ``;;!`` header lines."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")[:4000]
    except OSError:
        text = ""
    lines = header_lines(text)
    name = asked if asked != "auto" else (WASMTIME if lines else SPEC)
    if name != WASMTIME:
        return Dialect(name)
    try:
        header = tomllib.loads("\n".join(lines))
    except tomllib.TOMLDecodeError:
        header = {}
    return Dialect(WASMTIME, header)
