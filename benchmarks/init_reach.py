"""Which init-mode code paths real modules reach, and which only generated ones.

``python -m benchmarks.init_reach [--corpus DIR] [--generated N] [--seed S]``.
Every module of the corpus is instantiated under every init mode (the
init campaign's lanes: ``harness.fuzz.init_campaign.make_lanes``) with the
corpus run's trapping stub imports, then ``N`` modules of each generator
profile go through the init campaign (``generated``).  A line tracer limited
to ``refimpl/init/`` records the lines each side executes; printed: per mode
the hooks' outcomes (applied, fallback reasons), and per file the lines only
the generated modules reach, with their text.  Measured, not asserted: real
toolchains emit almost only active segments with constant offsets that fit,
and this says what that leaves to the campaigns.
"""

from __future__ import annotations

import argparse
import json
import linecache
import sys
import threading
from collections import Counter
from pathlib import Path

import refimpl
from refimpl.binary import decode_module
from refimpl.errors import RefimplError
from refimpl.valid import validate_module

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
INIT = str(REPO / "refimpl" / "init")
# The campaign's own comparison of modes, not an init mode.
NOT_TRACED = str(REPO / "refimpl" / "init" / "compare.py")
PROFILES = ("3.0", "3.0,+legacy_exceptions")


class LineTracer:
    """The lines of ``refimpl/init/*.py`` executed while active."""

    def __init__(self) -> None:
        self.lines: set[tuple[str, int]] = set()

    def _global(self, frame, event, arg):
        code = frame.f_code
        # Constructors run once per lane, wherever the lanes are made.
        if code.co_filename.startswith(INIT) and code.co_filename != NOT_TRACED:
            return self._local if code.co_name != "__init__" else None
        return None

    def _local(self, frame, event, arg):
        if event == "line":
            self.lines.add((frame.f_code.co_filename, frame.f_lineno))
        return self._local

    def __enter__(self) -> LineTracer:
        sys.settrace(self._global)
        threading.settrace(self._global)
        return self

    def __exit__(self, *exc) -> None:
        sys.settrace(None)
        threading.settrace(None)


def corpus_modules(corpus: Path):
    """(id, decoded module, profile) of every corpus module refimpl accepts."""
    manifest = json.loads((corpus / "manifest.json").read_text())
    for item in manifest:
        binary = (corpus / item["file"]).read_bytes()
        for profile in PROFILES:
            features = refimpl.Features.parse(profile)
            try:
                module = decode_module(binary, features)
                validate_module(module, features)
            except RefimplError:
                continue
            yield item["id"], module, features
            break


def run_corpus(corpus: Path, tracer: LineTracer) -> dict[str, Counter]:
    """Each module under each mode, the lanes living across modules (as in a
    long-running runtime: the pool's slots are reused); per mode, its hooks'
    outcomes."""
    from harness.corpus.stubs import StubError, stub_registry
    from harness.fuzz.init_campaign import make_lanes

    outcomes: dict[str, Counter] = {}
    lanes = make_lanes()
    for ident, module, features in corpus_modules(corpus):
        for lane in lanes:
            store = refimpl.Store(features)
            try:
                stubs = stub_registry(store, module, features, zeros=False)
            except StubError:
                continue
            with tracer:
                try:
                    inst = refimpl.instantiate(store, module, stubs, ident, lane.mode)
                    outcome = "instantiated"
                except RefimplError as exc:
                    inst, outcome = None, f"failed: {type(exc).__name__}"
                if inst is not None and hasattr(lane.mode, "recycle"):
                    lane.mode.release(inst)  # the pool's reset path, once per module
            outcomes.setdefault(lane.name, Counter())[outcome] += 1
    for lane in lanes:
        stats = getattr(lane.mode, "stats", None)
        if stats is not None:
            outcomes[lane.name]["hook applied"] += stats.applied
            for reason, n in stats.fallbacks.items():
                why = reason if not reason.startswith("an image of") else "a sparse image"
                outcomes[lane.name][f"fell back: {why}"] += n
        reused = getattr(lane.mode, "reused", 0)
        if reused:
            outcomes[lane.name]["slots reused"] += reused
    return outcomes


def run_generated(count: int, seed: int, tracer: LineTracer) -> list[str]:
    from harness.fuzz import init_campaign

    summaries = []
    with tracer:
        for profile in ("mvp", "2.0", "multi"):
            for run in init_campaign.generated(profile, count, seed, keep_going=True):
                summaries.append(run.report().splitlines()[0])
    return summaries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.init_reach")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--generated", type=int, default=300, help="modules per generator profile")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not (args.corpus / "manifest.json").exists():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    real, generated = LineTracer(), LineTracer()
    outcomes = run_corpus(args.corpus, real)
    print("corpus modules refimpl accepts, per mode (stubs instantiated without a mode):")
    for mode, counts in outcomes.items():
        print(f"  {mode:<14} " + "; ".join(f"{k} {n}" for k, n in sorted(counts.items())))
    for line in run_generated(args.generated, args.seed, generated):
        print(f"generated: {line}")
    files = sorted({f for f, _ in real.lines | generated.lines})
    print("lines executed (corpus / generated / generated only):")
    for path in files:
        mine = {n for f, n in real.lines if f == path}
        theirs = {n for f, n in generated.lines if f == path}
        only = sorted(theirs - mine)
        name = Path(path).name
        print(f"  {name:<14} {len(mine):4} / {len(theirs):4} / {len(only):4}")
        for n in only:
            print(f"      {name}:{n}: {linecache.getline(path, n).strip()}")
    corpus_only = sorted(real.lines - generated.lines)
    print(f"lines only the corpus reached: {len(corpus_only)}")
    for path, n in corpus_only:
        print(f"      {Path(path).name}:{n}: {linecache.getline(path, n).strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
