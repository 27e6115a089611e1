"""``wasm-harness check-engine ENGINE``: a self-test for adapter authors.

Runs a small built-in script that uses every request of the engine
protocol (instantiate, check, register, invoke, get), every value kind
(i32 ... v128, signalling NaNs, null and host references, several results),
the ``spectest`` module, and each kind of failure, and prints one line per
check: what it exercises and, if the engine got it wrong, exactly what it
answered instead.  Unsupported checks are listed, not failed: a runtime
may lack v128, say, but then it says so.
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .engines import UnknownEngine, create_engine
from .engines.base import SessionOptions
from .known_differences import KnownDifferences
from .messages import policy_of
from .runner import ScriptRunner
from .script import ConversionError, load_script

PROFILE = "2.0"
# Each check is a comment naming what it exercises, then its commands.
SCRIPT = r"""
;; check: instantiate a module importing a spectest function
(module $M
  (import "spectest" "print_i32" (func $print (param i32)))
  (memory 1)
  (table 1 funcref)
  (global (export "g-i32") i32 (i32.const -7))
  (global (export "g-i64") i64 (i64.const -7))
  (global (export "g-f32") f32 (f32.const 1.5))
  (global (export "g-f64") f64 (f64.const -2.5))
  (func (export "id-i32") (param i32) (result i32) (local.get 0))
  (func (export "id-i64") (param i64) (result i64) (local.get 0))
  (func (export "id-f32") (param f32) (result f32) (local.get 0))
  (func (export "id-f64") (param f64) (result f64) (local.get 0))
  (func (export "swap") (param i32 i64) (result i64 i32) (local.get 1) (local.get 0))
  (func (export "print") (param i32) (call $print (local.get 0)))
  (func (export "unreachable") (unreachable))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "call-null") (call_indirect (i32.const 0)))
  (func $loop (export "recurse") (call $loop))
)
;; check: i32 values (negative numbers as unsigned bits)
(assert_return (invoke "id-i32" (i32.const -1)) (i32.const -1))
(assert_return (invoke "id-i32" (i32.const 0x80000000)) (i32.const 0x80000000))
;; check: i64 values (beyond 53 bits, negative)
(assert_return (invoke "id-i64" (i64.const -1)) (i64.const -1))
(assert_return (invoke "id-i64" (i64.const 0x7fffffffffffffff)) (i64.const 0x7fffffffffffffff))
;; check: f32 values (-0, a fraction)
(assert_return (invoke "id-f32" (f32.const -0.0)) (f32.const -0.0))
(assert_return (invoke "id-f32" (f32.const 0x1.fffffep+127)) (f32.const 0x1.fffffep+127))
;; check: f32 signalling NaN keeps its bits (nan:0x200000)
(assert_return (invoke "id-f32" (f32.const nan:0x200000)) (f32.const nan:0x200000))
;; check: f64 values (-0, a fraction)
(assert_return (invoke "id-f64" (f64.const -0.0)) (f64.const -0.0))
(assert_return (invoke "id-f64" (f64.const 0x1.fffffffffffffp+1023))
               (f64.const 0x1.fffffffffffffp+1023))
;; check: f64 signalling NaN keeps its bits (nan:0x4000000000000)
(assert_return (invoke "id-f64" (f64.const nan:0x4000000000000)) (f64.const nan:0x4000000000000))
;; check: v128 values (128-bit integers)
(module (func (export "id-v128") (param v128) (result v128) (local.get 0)))
(assert_return (invoke "id-v128" (v128.const i32x4 1 -1 2 -2)) (v128.const i32x4 1 -1 2 -2))
;; check: externref: host references keep their payload, null stays null
(module (func (export "id-externref") (param externref) (result externref) (local.get 0)))
(assert_return (invoke "id-externref" (ref.extern 1)) (ref.extern 1))
(assert_return (invoke "id-externref" (ref.null extern)) (ref.null extern))
;; check: funcref: null arguments and results
(module (func (export "id-funcref") (param funcref) (result funcref) (local.get 0)))
(assert_return (invoke "id-funcref" (ref.null func)) (ref.null func))
;; check: several results, in order
(assert_return (invoke $M "swap" (i32.const 1) (i64.const 2)) (i64.const 2) (i32.const 1))
;; check: a function without results calling a spectest function
(assert_return (invoke $M "print" (i32.const 42)))
;; check: get: exported globals of each number type
(assert_return (get $M "g-i32") (i32.const -7))
(assert_return (get $M "g-i64") (i64.const -7))
(assert_return (get $M "g-f32") (f32.const 1.5))
(assert_return (get $M "g-f64") (f64.const -2.5))
;; check: spectest: global_i32 (666), global_f64 (666.6)
(module
  (import "spectest" "global_i32" (global $i i32))
  (import "spectest" "global_f64" (global $f f64))
  (func (export "i") (result i32) (global.get $i))
  (func (export "f") (result f64) (global.get $f)))
(assert_return (invoke "i") (i32.const 666))
(assert_return (invoke "f") (f64.const 666.6))
;; check: spectest: memory of 1 page (up to 2)
(module
  (import "spectest" "memory" (memory 1 2))
  (func (export "size") (result i32) (memory.size)))
(assert_return (invoke "size") (i32.const 1))
;; check: spectest: table of 10 funcref (up to 20)
(module
  (import "spectest" "table" (table 10 20 funcref))
  (func (export "size") (result i32) (table.size)))
(assert_return (invoke "size") (i32.const 10))
;; check: trap: unreachable
(assert_trap (invoke $M "unreachable") "unreachable")
;; check: trap: integer divide by zero, integer overflow
(assert_trap (invoke $M "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(assert_trap (invoke $M "div" (i32.const 0x80000000) (i32.const -1)) "integer overflow")
;; check: trap: out of bounds memory access
(assert_trap (invoke $M "load" (i32.const 65536)) "out of bounds memory access")
;; check: trap: calling a null table entry
(assert_trap (invoke $M "call-null") "uninitialized element")
;; check: exhaustion: unbounded recursion
(assert_exhaustion (invoke $M "recurse") "call stack exhausted")
;; check: register, then import from the registered instance
(register "M" $M)
(module $N
  (import "M" "id-i32" (func $id (param i32) (result i32)))
  (func (export "twice") (param i32) (result i32) (call $id (i32.add (local.get 0) (local.get 0)))))
(assert_return (invoke $N "twice" (i32.const 21)) (i32.const 42))
;; check: link error: an unknown import
(assert_unlinkable
  (module (import "M" "no-such-export" (func)))
  "unknown import")
;; check: link error: an import of the wrong type
(assert_unlinkable
  (module (import "M" "id-i32" (func (param i64))))
  "incompatible import type")
;; check: check: an invalid module is rejected
(assert_invalid (module (func (result i32))) "type mismatch")
;; check: check: a malformed binary is rejected
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
;; check: instantiation traps in a start function
(assert_trap (module (func $f (unreachable)) (start $f)) "unreachable")
;; check: instantiation traps on a data segment out of bounds
(assert_trap (module (memory 0) (data (i32.const 0) "a")) "out of bounds memory access")
"""


@dataclass(frozen=True)
class CheckResult:
    label: str
    status: str  # the worst status of the check's commands
    details: tuple[str, ...]  # what went wrong, one line per command


_WORST = ("crash", "timeout", "fail", "unsupported", "skip", "excused", "pass")


def _labels() -> dict[int, str]:
    """The check each line belongs to."""
    labels, current = {}, "?"
    for number, line in enumerate(SCRIPT.splitlines(), start=1):
        if line.startswith(";; check: "):
            current = line.removeprefix(";; check: ")
        labels[number] = current
    return labels


def about(engine) -> str:
    """What the engine says of itself (its ``describe`` answer, for a program)."""
    crossings = ", ".join(sorted(getattr(engine, "crossings", ()))) or "none"
    return (
        f"{engine.describe()}: message policy {policy_of(engine)}, "
        f"probes {'yes' if engine.probes else 'no'}, crossings {crossings}"
    )


def run_checks(engine_name: str, timeout: float = 30.0) -> tuple[str, list[CheckResult]]:
    """What the engine says of itself and the checks' results; raises
    UnknownEngine or ConversionError."""
    engine = create_engine(engine_name, timeout=timeout)
    declined = engine.unsupported_profile(PROFILE)
    if declined:
        why = (f"the engine declines it: {declined}",)
        return about(engine), [CheckResult(f"profile {PROFILE}", "fail", why)]
    labels = _labels()
    by_label: dict[str, list[tuple[str, str]]] = {}
    with tempfile.TemporaryDirectory() as tmp:  # a whole-script engine reads the file
        path = Path(tmp) / "check-engine.wast"
        path.write_text(SCRIPT)
        script = load_script(path, "auto", PROFILE)
        options = SessionOptions(profile=PROFILE, timeout=timeout)
        runner = ScriptRunner(script, [engine], options, known=KnownDifferences())
        for result in runner.run_all():
            [r] = result.results
            what = f"line {result.line}: {result.command.describe()}: {r.verdict.detail}"
            by_label.setdefault(labels.get(result.line, "?"), []).append((r.status, what))
    out = []
    for label, items in by_label.items():
        status = min((s for s, _ in items), key=_WORST.index)
        details = tuple(what for s, what in items if s != "pass")
        out.append(CheckResult(label, status, details))
    return about(engine), out


def main(engine_name: str, timeout: float = 30.0) -> int:
    """Print the checks; 0 if nothing failed (unsupported checks are listed), 1 if
    something did, 2 if the engine can't be made at all."""
    try:
        description, results = run_checks(engine_name, timeout)
    except UnknownEngine as exc:
        print(f"wasm-harness check-engine: error: {exc}", file=sys.stderr)
        return 2
    except ConversionError as exc:
        print(f"wasm-harness check-engine: error: the built-in script: {exc}", file=sys.stderr)
        return 2
    print(f"engine: {description}")
    marks = {"pass": "ok", "unsupported": "UNSUPPORTED", "skip": "SKIPPED"}
    for check in results:
        print(f"{marks.get(check.status, check.status.upper()):>11}  {check.label}")
        for detail in check.details:
            print(f"{'':>13}{detail}")
    failed = [c for c in results if c.status in ("fail", "crash", "timeout", "excused")]
    unsupported = [c for c in results if c.status in ("unsupported", "skip")]
    ok = len(results) - len(failed) - len(unsupported)
    name = engine_name.partition("=")[0]
    print(f"{name}: {ok} checks ok, {len(failed)} wrong, {len(unsupported)} unsupported")
    return 1 if failed else 0
