"""The long run of the differential check (a developer command, not CI):

    python -m harness.preinit.campaign --suite wasm-2.0 --generated 1000 --smith 1000

Cases:

- ``--suite``: every distinct valid module of the suite's scripts, with
  each init candidate: its start function alone (if it has one) and every
  exported function without parameters;
- ``--generated N``: N init-heavy modules of ``harness.preinit.generate``,
  with their ``wizer.initialize``;
- ``--smith N``: N ``wasm-tools smith`` modules (``harness.fuzz.smith``),
  with an exported function without parameters as init, else a synthesized
  one calling an exported function with zero arguments, else none (a
  snapshot right after instantiation).

Each case runs ``check.check_module`` in a worker process under a time
limit.  Printed: cases snapshotted, refused by reason, divergences (each
listed), timeouts; for the suite also per module.  Exit status 1 on any
divergence.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import hashlib
import json
import os
import signal
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from refimpl.binary import decode_module
from refimpl.binary.encode import encode_module
from refimpl.errors import RefimplError
from refimpl.features import Features
from refimpl.syntax.module import Module
from refimpl.syntax.types import ExternKind
from refimpl.valid import validate_module

from ..fuzz import smith
from ..script import load_script
from ..script.commands import ModuleCommand
from ..testsuite import SUITES, find_testsuite
from . import generate
from .check import check_module

TIMEOUT = "timed out"


@dataclass(frozen=True)
class Case:
    source: str  # "suite" | "generated" | "smith"
    label: str  # where the module comes from (file:line, seed:index)
    module_id: str  # sha256 prefix of the binary
    binary: bytes
    init_func: str | None  # None: the start function alone
    profile: str = "2.0"


@dataclass
class CaseResult:
    source: str
    label: str
    module_id: str
    init_func: str | None
    status: str  # "snapshotted" | "refused" | "timeout" | "error"
    reason: str | None = None
    message: str = ""
    divergences: list[str] = field(default_factory=list)
    calls: int = 0
    cut_short: list[str] = field(default_factory=list)
    data_segments: int = 0
    elem_segments: int = 0


def init_candidates(module: Module) -> list[str | None]:
    """The start function alone (None), then every exported function
    without parameters."""
    out: list[str | None] = [None] if module.start is not None else []
    types = module.func_type_indices()
    for e in module.exports:
        if e.kind is ExternKind.FUNC and not module.func_type(types[e.index]).params:
            out.append(e.name)
    return out


def _results(module: Module, export_name: str) -> tuple:
    types = module.func_type_indices()
    e = next(e for e in module.exports if e.name == export_name)
    return module.func_type(types[e.index]).results


def module_id(binary: bytes) -> str:
    return hashlib.sha256(binary).hexdigest()[:16]


def suite_cases(testsuite: Path, suite: str, profile: str, max_inits: int | None) -> list[Case]:
    features = Features.parse(profile)
    seen: set[str] = set()
    cases = []
    for path in sorted((testsuite / suite).glob("*.wast")):
        for cmd in load_script(path, "auto", profile).commands:
            if not isinstance(cmd, ModuleCommand) or cmd.module.binary is None:
                continue
            binary = cmd.module.binary
            mid = module_id(binary)
            if mid in seen:
                continue
            seen.add(mid)
            try:
                module = decode_module(binary, features)
                validate_module(module, features)
            except RefimplError:
                continue
            inits = init_candidates(module)
            if max_inits is not None:
                inits = inits[:max_inits]
            label = f"{path.name}:{cmd.line}"
            cases += [Case("suite", label, mid, binary, init, profile) for init in inits]
    return cases


def generated_cases(seed: int, count: int, wizer: bool = False) -> list[Case]:
    """Init-heavy generated modules (with ``wizer``: the subset of features
    Wizer accepts)."""
    cases = []
    source = "generated-for-wizer" if wizer else "generated"
    for i in range(count):
        binary = generate.generate(seed, i, wizer)
        cases.append(Case(source, f"{seed}:{i}", module_id(binary), binary, generate.INIT_NAME))
    return cases


def smith_case(seed: int, index: int) -> Case:
    """A ``wasm-tools smith`` module and an init function: an exported
    ``[] -> []`` function, else another exported function without
    parameters, else a synthesized ``preinit.init`` calling the first
    exported function with zero arguments, else none (a snapshot right
    after instantiation: its start function, if any, and segments)."""
    features = Features.parse("2.0")
    binary = smith.generate(seed, index, "2.0").binary
    module = decode_module(binary, features)
    named = [i for i in init_candidates(module) if i is not None]
    plain = [i for i in named if not _results(module, i)]
    init = (plain or named or [None])[0]
    label = f"{seed}:{index}"
    if init is None:
        funcs = [e for e in module.exports if e.kind is ExternKind.FUNC]
        if funcs:
            module = generate.with_init_calling(module, funcs[0].index)
            binary = encode_module(module, features)
            init = generate.SYNTHESIZED_INIT
            label += f" ({generate.SYNTHESIZED_INIT} calls {funcs[0].name!r})"
        else:
            label += " (instantiation only)"
    return Case("smith", label, module_id(binary), binary, init)


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def run_case(
    case: Case, timeout: float = 120.0, calls: int = 2, call_timeout: float = 2.0
) -> CaseResult:
    """One check, bounded in time (SIGALRM: call in a main thread)."""
    base = dict(
        source=case.source, label=case.label, module_id=case.module_id, init_func=case.init_func
    )
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        r = check_module(
            case.binary, case.profile, case.init_func, calls=calls, call_timeout=call_timeout
        )
    except _Timeout:
        return CaseResult(**base, status="timeout", reason=TIMEOUT)
    except Exception as exc:  # a bug: report it with the case
        return CaseResult(**base, status="error", message=f"{type(exc).__name__}: {exc}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    if not r.snapshotted:
        return CaseResult(**base, status="refused", reason=r.reason, message=r.message)
    return CaseResult(
        **base,
        status="snapshotted",
        divergences=r.divergences,
        calls=r.calls,
        cut_short=r.cut_short,
        data_segments=r.data_segments,
        elem_segments=r.elem_segments,
    )


def _smith_then_run(seed: int, index: int, *options) -> CaseResult:
    return run_case(smith_case(seed, index), *options)


def run_all(tasks: list, jobs: int, progress: bool = False) -> list[CaseResult]:
    """Run ``(function, args)`` tasks in ``jobs`` worker processes."""
    outcomes: list[CaseResult] = []
    if jobs <= 1:
        for fn, args in tasks:
            outcomes.append(fn(*args))
        return outcomes
    with cf.ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(fn, *args) for fn, args in tasks]
        for n, _ in enumerate(cf.as_completed(futures), 1):
            if progress and n % 100 == 0:
                print(f"  {n}/{len(futures)}", file=sys.stderr, flush=True)
        outcomes = [f.result() for f in futures]  # in the order of the tasks
    return outcomes


@dataclass
class Summary:
    cases: int = 0
    snapshotted: int = 0
    refused: Counter = field(default_factory=Counter)
    timeouts: int = 0
    cut_short: int = 0
    errors: list[str] = field(default_factory=list)
    divergent: list[str] = field(default_factory=list)
    calls: int = 0
    modules: int = 0
    modules_snapshotted: int = 0
    modules_refused: Counter = field(default_factory=Counter)  # by the first refusal

    def format(self, title: str) -> str:
        lines = [f"{title}: {self.cases} cases"]
        lines.append(f"  snapshotted       {self.snapshotted} ({self.calls} later calls compared)")
        lines.append(f"  divergences       {len(self.divergent)}")
        for reason, n in self.refused.most_common():
            lines.append(f"  refused           {n:5}  {reason}")
        if self.cut_short:
            lines.append(
                f"  of which {self.cut_short} had calls abandoned "
                "(a call of the original ran over the time limit; the rest went on fresh)"
            )
        if self.timeouts:
            lines.append(
                f"  timed out         {self.timeouts}  (the init function, or the case as "
                "a whole, ran over the time limit)"
            )
        if self.errors:
            lines.append(f"  errors            {len(self.errors)}")
        if self.modules:
            lines.append(
                f"  modules: {self.modules}, snapshotted with at least one init: "
                f"{self.modules_snapshotted}; the others, by first refusal:"
            )
            for reason, n in self.modules_refused.most_common():
                lines.append(f"    {n:5}  {reason}")
        lines += [f"  DIVERGENCE {d}" for d in self.divergent]
        lines += [f"  ERROR {e}" for e in self.errors]
        return "\n".join(lines)


def summarize(outcomes: list[CaseResult], per_module: bool = False) -> Summary:
    s = Summary(cases=len(outcomes))
    by_module: dict[str, list[CaseResult]] = {}
    for o in outcomes:
        by_module.setdefault(o.module_id, []).append(o)
        if o.status == "snapshotted":
            s.snapshotted += 1
            s.calls += o.calls
            s.cut_short += bool(o.cut_short)
            if o.divergences:
                s.divergent.append(f"{o.label} init={o.init_func}: {o.divergences[0]}")
        elif o.status == "timeout":
            s.timeouts += 1
        elif o.status == "error":
            s.errors.append(f"{o.label} init={o.init_func}: {o.message}")
        else:
            s.refused[o.reason] += 1
    if per_module:
        s.modules = len(by_module)
        for outs in by_module.values():
            if any(o.status == "snapshotted" for o in outs):
                s.modules_snapshotted += 1
            else:
                s.modules_refused[outs[0].reason or outs[0].status] += 1
    return s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.preinit.campaign", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--suite", action="append", default=[], help="e.g. wasm-2.0")
    parser.add_argument("--testsuite", help="the testsuite folder (default: as wasm-harness)")
    parser.add_argument("--generated", type=int, default=0, help="init-heavy generated modules")
    parser.add_argument("--smith", type=int, default=0, help="wasm-tools smith modules")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-inits", type=int, help="init candidates per suite module")
    parser.add_argument("--calls", type=int, default=2, help="later calls per export")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per case")
    parser.add_argument(
        "--call-timeout", type=float, default=2.0, help="seconds per later call of the original"
    )
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", type=Path, help="write every outcome")
    args = parser.parse_args(argv)

    options = (args.timeout, args.calls, args.call_timeout)
    groups: list[tuple[str, list, bool]] = []
    if args.suite:
        root = find_testsuite(args.testsuite)
        if root is None:
            parser.error("the official testsuite was not found (--testsuite DIR)")
        for name in args.suite:
            profile = SUITES[name].profile
            cases = suite_cases(root, SUITES[name].folder, profile, args.max_inits)
            tasks = [(run_case, (c, *options)) for c in cases]
            groups.append((f"suite {name}", tasks, True))
    if args.generated:
        cases = generated_cases(args.seed, args.generated)
        tasks = [(run_case, (c, *options)) for c in cases]
        groups.append((f"generated (seed {args.seed})", tasks, False))
    if args.smith:
        tasks = [(_smith_then_run, (args.seed, i, *options)) for i in range(args.smith)]
        groups.append((f"wasm-tools smith (seed {args.seed})", tasks, False))
    if not groups:
        parser.error("nothing to run: give --suite, --generated or --smith")

    failed = False
    records = []
    for title, tasks, per_module in groups:
        start = time.monotonic()
        outcomes = run_all(tasks, args.jobs, progress=sys.stderr.isatty())
        summary = summarize(outcomes, per_module)
        print(summary.format(title))
        print(f"  ({time.monotonic() - start:.0f} s)")
        failed |= bool(summary.divergent or summary.errors)
        records += [asdict(o) for o in outcomes]
    if args.json:
        args.json.write_text(json.dumps(records, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
