"""The campaigns ``wasm-harness fuzz`` runs, by name: each a ``make(config,
profile)`` giving ``run(index) -> Item`` (see ``campaign.py``).  To add one,
write its ``make`` and add a line to ``CAMPAIGNS``."""

from __future__ import annotations

import hashlib
import traceback
from pathlib import Path

import refimpl
from refimpl.errors import UnsupportedFeature

from ..engines import engines_for
from . import mutation
from .campaign import Config, Item
from .differential import DIVERGED, RESOURCE_LIMIT, TIMED_OUT, UNSUPPORTED, run_module
from .smith import SmithError, generate

# Profiles wasmtime can't run as such: Wasm 1.0's all-or-nothing segment
# writes.  Generated modules import nothing, so the one difference between
# 1.0 and 2.0 instantiation (what a failed one leaves written in imported
# memories and tables) is invisible: mvp modules run under 2.0.
RUN_PROFILE = {"mvp": "2.0"}


def make_differential(config: Config, profile: str):
    """Item ``index``: smith module ``(seed, index)`` of the profile on every
    engine; a divergence is minimized and written as a .wast to review."""
    # Each engine as it runs by default: wasmtime in a worker process, so a
    # module that makes it allocate gigabytes (a GC array sized by a constant
    # expression) costs a timeout, not the campaign.
    engines = engines_for(config.engines, None, config.timeout)
    run_profile = RUN_PROFILE.get(profile, profile)
    shrunk = [0]  # divergences shrunk so far: a few, or a buggy engine stalls the campaign

    def run(index: int) -> Item:
        try:
            module = generate(config.seed, index, profile, canonical_nans=True)
        except SmithError as exc:
            return Item("smith failed", False, str(exc))
        result = run_module(
            module.binary, engines, run_profile, config.calls, seed=index, timeout=config.timeout
        )
        if result.outcome in (UNSUPPORTED, RESOURCE_LIMIT):
            # Counted by engine and the reason's first clause (no sizes).
            engine, why = result.unsupported.split(": ", 1)
            label = (
                f"skipped: unsupported by {engine}"
                if result.outcome == UNSUPPORTED
                else f"{RESOURCE_LIMIT} ({engine})"
            )
            return Item(f"{label}: {why.split(':')[0][:60]}", False, why[:200])
        if result.outcome not in (DIVERGED, TIMED_OUT):
            return Item(result.outcome)
        detail = "; ".join(result.divergences)[:500]
        if result.outcome == TIMED_OUT:  # each shrink step would wait as long: not reduced
            files = _write_divergence(
                config, profile, run_profile, index, module.binary, result, False
            )
            return Item(f"{TIMED_OUT} ({result.unsupported.split(':')[0]})", True, detail, files)
        minimize = config.minimize and shrunk[0] < MAX_SHRUNK
        shrunk[0] += minimize
        files = _write_divergence(
            config, profile, run_profile, index, module.binary, result, minimize
        )
        return Item(DIVERGED, True, detail, files)

    return run


MAX_SHRUNK = 5  # per profile; the rest are written unreduced


def _write_divergence(config, profile, run_profile, index, binary, result, minimize):
    from .minimize import regression_wast, shrink

    if config.out is None:
        return []
    name = f"{profile}-{config.seed}-{index}"
    folder = config.out / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "divergence.txt").write_text("\n".join(result.divergences) + "\n")
    reduced = binary
    if minimize:
        reduced = shrink(binary, config.engines, run_profile, index, folder / "shrink")
    title = f"fuzz: smith profile {profile}, seed {config.seed}, module {index} (reduced)"
    wast = folder / f"{name}.wast"
    wast.write_text(regression_wast(reduced, config.engines, run_profile, index, title))
    return [str(wast)]


def make_executors(config: Config, profile: str):
    """Item ``index``: smith module ``(seed, index)`` on refimpl's fast path
    and its interpreter, outcomes and state compared after every call."""
    from .executors import compare

    def run(index: int) -> Item:
        try:
            module = generate(config.seed, index, profile)
        except SmithError as exc:
            return Item("smith failed", False, str(exc))
        try:
            found = compare(module.binary, profile, config.calls, seed=index)
        except UnsupportedFeature as exc:
            return Item(f"skipped: unsupported by refimpl: {exc.message.split(':')[0]}")
        except refimpl.WasmError as exc:  # smith's modules are valid: refimpl is wrong
            return Item("refimpl rejected a valid module", True, str(exc), _keep(config, module))
        except Exception as exc:
            detail = "".join(traceback.format_exception_only(exc)).strip()
            return Item("crash", True, detail, _keep(config, module))
        if found:
            return Item(DIVERGED, True, str(found[0])[:500], _keep(config, module))
        return Item("agreed")

    return run


def _keep(config: Config, module) -> list[str]:
    if config.out is None:
        return []
    config.out.mkdir(parents=True, exist_ok=True)
    path = Path(config.out) / f"{hashlib.sha256(module.binary).hexdigest()[:16]}.wasm"
    path.write_bytes(module.binary)
    return [str(path)]


CAMPAIGNS = {
    "differential": make_differential,
    "executors": make_executors,
    "binary": mutation.make_binary,
    "text": mutation.make_text,
    "script": mutation.make_script,
}
# Campaigns with a driver of their own (hypothesis shrinks as it goes),
# run through their ``main(argv)``: name -> module path.
DELEGATED = {
    "init": "harness.fuzz.init_campaign",
}
