"""A long campaign checking refimpl's init modes against the reference.

    python -m harness.fuzz.init_campaign --modules 10000 --profile mvp --profile 2.0 \\
        [--seed N] [--smith] [--keep-going] [--json FILE]

For each generator profile, ``--modules`` descriptions are drawn by
hypothesis (``harness.fuzz.instantiation.modules``) and every one is
instantiated under every init mode in each profile it runs under (``mvp``
descriptions also run under ``2.0``), from a fresh environment each time;
``compare_modes`` compares outcome and full state with ``segmented``.  At the
first divergence hypothesis shrinks the module, the minimal description and
its text are printed, and the campaign goes on with the next profile
(``--keep-going`` counts divergences without stopping or shrinking).
``--smith`` adds as many ``wasm-tools smith`` modules per profile.

Per mode it prints: modules run, how often the mode applied and why it fell
back (the modes' ``stats``, numbers in reasons folded into ``N``),
divergences, and the time spent in the mode's own hooks (allocation, and
writing what it precomputed).  Not run in CI: the test suite has a bounded run.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import gc
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, given, seed, settings

import refimpl
from refimpl.exec.instantiate import SEGMENTED
from refimpl.init import CopyOnWrite, FuncTable, Paged, Pooled, Static
from refimpl.init.compare import compare_modes
from refimpl.runtime.memory import MemInst
from refimpl.runtime.observe import KEEP_BYTES, MemoryDigest

from . import instantiation
from .smith import SmithError, generate

# -- mode lanes ---------------------------------------------------------------------


class RecyclingPool(Pooled):
    """``pooled`` whose memories and tables go back to the pool once
    compared, so the next modules run on reused (and reset) slots."""

    def __init__(self, slots: int = 4):
        super().__init__(slots)
        self.live: list = []

    def allocate_memory(self, *args):
        mem = super().allocate_memory(*args)
        self.live.append(mem)
        return mem

    def allocate_table(self, *args):
        table = super().allocate_table(*args)
        self.live.append(table)
        return table

    def recycle(self) -> None:
        for item in self.live:
            if isinstance(item, MemInst):
                self.release_memory(item)
            else:
                self.release_table(item)
        self.live.clear()


class Timed:
    """An init mode, with the time spent in its hooks (allocation, and
    writing what it precomputed)."""

    def __init__(self, mode, name: str | None = None):
        self.mode = mode
        self.name = name or mode.name
        self.seconds = 0.0

    def _timed(self, hook, *args):
        start = time.perf_counter()
        try:
            return hook(*args)
        finally:
            self.seconds += time.perf_counter() - start

    def allocate_memory(self, *args):
        return self._timed(self.mode.allocate_memory, *args)

    def allocate_table(self, *args):
        return self._timed(self.mode.allocate_table, *args)

    def table_initialization(self, module):
        return self._timed_writes(self._timed(self.mode.table_initialization, module))

    def memory_initialization(self, module):
        return self._timed_writes(self._timed(self.mode.memory_initialization, module))

    def _timed_writes(self, initialization):
        if initialization is None:
            return None
        lane = self

        class TimedWrite:
            segments = getattr(initialization, "segments", 0)

            def write(self, inst) -> None:
                lane._timed(initialization.write, inst)

        return TimedWrite()


def make_lanes() -> list[Timed]:
    """The reference, then every optimized mode (``static`` also with no
    always-allowed image size, so its density rule decides)."""
    return [
        Timed(SEGMENTED),
        Timed(Paged()),
        Timed(Static()),
        Timed(Static(page_size=65536, max_image_size_always_allowed=0), "static-dense"),
        Timed(FuncTable()),
        Timed(CopyOnWrite()),
        Timed(RecyclingPool()),
    ]


def recycle(lanes) -> None:
    for lane in lanes:
        if isinstance(lane.mode, RecyclingPool):
            lane.mode.recycle()


# -- figures ------------------------------------------------------------------------


@dataclass
class Lane:
    modules: int = 0
    divergences: int = 0
    seconds: float = 0.0
    applied: int | None = None
    fallbacks: Counter = field(default_factory=Counter)
    reused: int | None = None


@dataclass
class Run:
    source: str  # "generated mvp", "smith 2.0", ...
    profile: str  # the profile modules ran under
    modules: int = 0
    seconds: float = 0.0
    outcomes: Counter = field(default_factory=Counter)
    lanes: dict[str, Lane] = field(default_factory=dict)
    counterexample: str | None = None
    wall: float = 0.0  # the whole campaign, generation included
    coverage: Counter = field(default_factory=Counter)

    def snapshot(self, lanes: list[Timed]) -> None:
        for lane in lanes[1:]:
            fig = self.lanes.setdefault(lane.name, Lane())
            fig.modules = self.modules
            fig.seconds = lane.seconds
            stats = getattr(lane.mode, "stats", None)
            if stats is not None:
                fig.applied = stats.applied
                fig.fallbacks = Counter()
                for reason, n in stats.fallbacks.items():
                    fig.fallbacks[re.sub(r"\d+", "N", reason)] += n
            if isinstance(lane.mode, Pooled):
                fig.reused = lane.mode.reused

    def report(self) -> str:
        outcomes = ", ".join(f"{k} {v}" for k, v in self.outcomes.most_common())
        lines = [
            f"== {self.source}, run as {self.profile}: {self.modules} modules, "
            f"{self.seconds:.1f} s comparing ({self.wall:.1f} s wall); reference outcomes: "
            f"{outcomes}",
            "   (applied / fell back count instantiations: each module is instantiated"
            " twice per mode,",
            "    cold then warm)",
            f"   {'mode':<14} {'modules':>8} {'applied':>8} {'fell back':>10} "
            f"{'divergences':>12} {'time in mode':>13}",
        ]
        for name, fig in self.lanes.items():
            applied = "-" if fig.applied is None else str(fig.applied)
            fell = "-" if fig.applied is None else str(sum(fig.fallbacks.values()))
            lines.append(
                f"   {name:<14} {fig.modules:>8} {applied:>8} {fell:>10} "
                f"{fig.divergences:>12} {fig.seconds:>11.2f} s"
            )
            for reason, n in fig.fallbacks.most_common():
                lines.append(f"   {'':<14} {'':>8} {'':>8} {n:>10}   {reason}")
            if fig.reused is not None:
                lines.append(f"   {'':<14} {'':>8} {'':>8} {'':>10}   slots reused {fig.reused}")
        if self.coverage:
            lines.append(f"   coverage (modules exercising each feature, of {self.modules}):")
            for feature, n in sorted(self.coverage.items()):
                lines.append(f"     {n:>7}  {feature}")
        if self.counterexample:
            lines.append("   counterexample (shrunk):")
            lines += ["     " + line for line in self.counterexample.splitlines()]
        return "\n".join(lines)


# -- the campaigns --------------------------------------------------------------------


def generated(
    profile: str, modules: int, seed_: int, keep_going: bool = False, executor: str = "interpreter"
) -> list[Run]:
    """``modules`` hypothesis-drawn descriptions of generator profile ``profile``."""
    run_profiles = instantiation.RUN_PROFILES[profile]
    lanes = {p: make_lanes() for p in run_profiles}
    runs = {p: Run(f"generated {profile}", p) for p in run_profiles}
    for p in run_profiles:
        runs[p].snapshot(lanes[p])  # the lanes, in order
    state = {"failed": False, "last": None}

    def check_one(desc) -> None:
        if state["failed"] and keep_going is False:
            counting = False  # shrinking: these runs are not the campaign's
        else:
            counting = True
        problems = []
        try:
            binary = instantiation.compile_desc(desc)
            for p in run_profiles:
                run = runs[p]
                start = time.perf_counter()
                try:
                    checked = instantiation.check(
                        desc, lanes[p], [p], binary, executor, between=lambda p=p: recycle(lanes[p])
                    )
                finally:
                    recycle(lanes[p])
                divergences = [d for c in checked for d in c.divergences]
                if counting:
                    run.seconds += time.perf_counter() - start
                    run.modules += 1
                    run.outcomes[checked[0].results[0].outcome[0]] += 1
                    run.coverage.update(instantiation.features_of(desc))
                    for mode in {d.mode for d in divergences}:
                        run.lanes.setdefault(mode, Lane()).divergences += 1
                problems += [f"[{p}, round {c.round}] {d}" for c in checked for d in c.divergences]
        except Exception as exc:  # a mode (or the reference) crashed: as bad as a divergence
            problems.append(f"crash: {type(exc).__name__}: {exc}")
        if problems:
            if not state["failed"]:
                for p in run_profiles:
                    runs[p].snapshot(lanes[p])
            state["failed"] = True
            state["last"] = (desc, problems)
            if not keep_going:
                raise AssertionError("\n".join(problems[:10]))

    test = settings(
        max_examples=modules,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate] if keep_going else [Phase.generate, Phase.shrink],
        print_blob=False,
        report_multiple_bugs=False,
    )(given(instantiation.modules(profile))(check_one))
    test = seed(seed_)(test)
    wall = time.perf_counter()
    # A failure is reported below, from what check_one saw last (the shrunk module).
    with contextlib.suppress(Exception):
        test()
    wall = time.perf_counter() - wall
    if state["last"] is not None:
        desc, problems = state["last"]
        text = "\n".join(problems[:10]) + f"\n{desc!r}\n" + instantiation.render(desc)[:4000]
        for p in run_profiles:
            runs[p].counterexample = text
    for p in run_profiles:
        runs[p].wall = wall
        if not state["failed"]:
            runs[p].snapshot(lanes[p])
    return list(runs.values())


def smith(profile: str, modules: int, seed_: int, executor: str = "interpreter") -> Run:
    """``wasm-tools smith`` modules (no imports) through the same comparison."""
    lanes = make_lanes()
    run = Run(f"smith {profile}", profile)
    run.snapshot(lanes)
    features = refimpl.Features.parse(profile)
    wall = time.perf_counter()
    for index in range(modules):
        try:
            binary = generate(seed_, index, profile).binary
            module = refimpl.load(binary, features)
        except (SmithError, refimpl.RefimplError):
            run.outcomes["not generated / not loaded"] += 1
            continue
        start = time.perf_counter()
        divergences = []
        for _ in range(2):  # cold, then warm (cached images, reused slots)
            store = refimpl.Store(features, executor_name=executor, max_call_depth=200)
            results, found = compare_modes(store, module, lambda imp: None, lanes)
            recycle(lanes)
            divergences += found
            if any(
                isinstance(v, MemoryDigest) and v.size > KEEP_BYTES
                for v in results[0].state.values()
            ):
                gc.collect()  # instances are cycles: don't keep a GiB mapping per mode
        run.seconds += time.perf_counter() - start
        run.modules += 1
        run.outcomes[results[0].outcome[0]] += 1
        for mode in {d.mode for d in divergences}:
            run.lanes.setdefault(mode, Lane()).divergences += 1
        if divergences and run.counterexample is None:
            run.counterexample = f"smith seed {seed_} index {index}:\n" + "\n".join(
                str(d) for d in divergences[:10]
            )
    run.snapshot(lanes)
    run.wall = time.perf_counter() - wall
    return run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harness.fuzz.init_campaign",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--modules", type=int, default=1000, help="modules per profile")
    parser.add_argument(
        "--profile",
        action="append",
        choices=instantiation.GENERATOR_PROFILES,
        help="generator profile (repeatable; default: mvp and 2.0)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smith", action="store_true", help="also run wasm-tools smith modules")
    parser.add_argument(
        "--keep-going", action="store_true", help="count divergences, don't stop to shrink"
    )
    parser.add_argument("--executor", default="interpreter", choices=["interpreter", "compiled"])
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)

    runs: list[Run] = []
    for profile in args.profile or ["mvp", "2.0"]:
        for run in generated(profile, args.modules, args.seed, args.keep_going, args.executor):
            print(run.report(), flush=True)
            runs.append(run)
        if args.smith and profile in ("mvp", "2.0"):
            run = smith(profile, args.modules, args.seed, args.executor)
            print(run.report(), flush=True)
            runs.append(run)
    if args.json:
        with open(args.json, "w") as f:
            json.dump([_as_json(r) for r in runs], f, indent=1)
    return 1 if any(r.counterexample for r in runs) else 0


def _as_json(run: Run) -> dict:
    out = copy.deepcopy(run.__dict__)
    out["outcomes"] = dict(run.outcomes)
    out["lanes"] = {
        name: {**fig.__dict__, "fallbacks": dict(fig.fallbacks)} for name, fig in run.lanes.items()
    }
    return out


if __name__ == "__main__":
    sys.exit(main())
