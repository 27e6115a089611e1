"""The driver every ``wasm-harness fuzz`` campaign shares: items numbered
from a seed, a count or a time budget, shards, progress, and one summary.

A campaign is a function ``make(config, profile)`` returning ``run(index) ->
Item``: item ``index`` of campaign ``seed`` is the same whichever process
runs it, so a shard ``k/N`` (items ``k, k+N, ...``) can run anywhere (pytest-
xdist workers, execnet gateways) and the shards together are the campaign.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Config:
    seed: int = 1
    count: int | None = None  # items per profile (None: until the time is up)
    time: float | None = None  # seconds for the whole campaign
    engines: tuple[str, ...] = ("refimpl", "wasmtime")
    profiles: tuple[str, ...] = ("2.0",)
    calls: int = 2  # calls of each export
    out: Path | None = None  # where divergences and their reductions go
    minimize: bool = True
    shard: tuple[int, int] = (0, 1)  # (k, N): items k, k+N, ...
    start: int = 0  # the first item (to resume a campaign)
    timeout: float = 20.0  # seconds per item (per command for engines)
    progress: bool = True


@dataclass
class Item:
    outcome: str  # the label it is counted under
    failed: bool = False  # a divergence, a stray exception, a hang
    detail: str = ""
    files: list[str] = field(default_factory=list)  # reproducers written


@dataclass
class ProfileSummary:
    items: int = 0
    seconds: float = 0.0
    outcomes: Counter = field(default_factory=Counter)
    failures: list[dict] = field(default_factory=list)
    interrupted: bool = False
    slowest: tuple[float, int] = (0.0, -1)  # (seconds, index) of the slowest item

    def as_dict(self) -> dict:
        return {
            "items": self.items,
            "seconds": round(self.seconds, 1),
            "per_second": round(self.items / self.seconds, 2) if self.seconds else None,
            "outcomes": dict(self.outcomes.most_common()),
            "failures": self.failures,
            "interrupted": self.interrupted,
            "slowest": {"index": self.slowest[1], "seconds": round(self.slowest[0], 3)},
        }


Make = Callable[[Config, str], Callable[[int], Item]]


def drive(name: str, make: Make, config: Config) -> dict:
    """Run the campaign on each profile; the JSON summary."""
    start = time.monotonic()
    deadline = start + config.time if config.time else None
    profiles = {}
    for n, profile in enumerate(config.profiles):
        # Each profile gets an equal share of what time is left.
        share = (
            None if deadline is None else (deadline - time.monotonic()) / (len(config.profiles) - n)
        )
        profiles[profile] = _one_profile(make(config, profile), profile, config, share)
        if profiles[profile].interrupted:
            break
    total = sum(p.items for p in profiles.values())
    return {
        "campaign": name,
        "seed": config.seed,
        "shard": f"{config.shard[0]}/{config.shard[1]}",
        "engines": list(config.engines),
        "items": total,
        "failures": sum(len(p.failures) for p in profiles.values()),
        "seconds": round(time.monotonic() - start, 1),
        "profiles": {p: s.as_dict() for p, s in profiles.items()},
    }


def _one_profile(run, profile: str, config: Config, budget: float | None) -> ProfileSummary:
    summary = ProfileSummary()
    start = time.monotonic()
    last_note = start
    k, step = config.shard
    index = config.start + k
    while config.count is None or index < config.start + config.count:
        if budget is not None and time.monotonic() - start >= budget:
            break
        began = time.monotonic()
        try:
            item = run(index)
        except KeyboardInterrupt:  # Ctrl-C (SIGINT): stop here, keep the summary
            summary.interrupted = True
            break
        summary.items += 1
        summary.outcomes[item.outcome] += 1
        summary.slowest = max(summary.slowest, (time.monotonic() - began, index))
        if item.failed:
            summary.failures.append(
                {
                    "index": index,
                    "outcome": item.outcome,
                    "detail": item.detail,
                    "files": item.files,
                }
            )
            if config.progress:
                print(f"\n[{profile}] item {index}: {item.outcome}: {item.detail}", file=sys.stderr)
        index += step
        now = time.monotonic()
        if config.progress and now - last_note >= 2:
            last_note = now
            rate = summary.items / (now - start)
            top = ", ".join(f"{o} {c}" for o, c in summary.outcomes.most_common(4))
            failures = len(summary.failures)
            line = f"[{profile}] {summary.items} items, {rate:.1f}/s, {failures} failures; {top}"
            print(f"\r\x1b[K{line[:150]}", end="", file=sys.stderr, flush=True)
    summary.seconds = time.monotonic() - start
    if config.progress:
        print(file=sys.stderr)
    return summary
