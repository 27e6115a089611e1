"""``--engine v8``: V8 through Node (>= 20), as a program engine.

The engine is ``v8/adapter.mjs`` run by the ``node`` found on PATH, spoken to
in the engine protocol like any ``program:`` engine; what it can't pass
through the JS API (v128, signalling NaNs) it asks the harness to cross with
trampolines (its ``describe`` answer).  Without a usable node the engine is
unavailable, with a message saying so.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

from ..engines.isolated import EngineUnavailable, ProgramEngine

ADAPTER = Path(__file__).with_name("v8") / "adapter.mjs"
MIN_NODE = 20
# Type reflection tells an export's result types (an f32 and an f64 are both
# JS Numbers); extended constants are finished in V8 11.3 but not yet on.
NODE_FLAGS = ("--experimental-wasm-type-reflection", "--experimental-wasm-extended-const")


def find_node() -> tuple[str | None, str]:
    """The node executable to use, or None and why not."""
    node = shutil.which("node")
    if node is None:
        return None, "node not found on PATH"
    try:
        version = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
        major = int(version.lstrip("v").split(".")[0])
    except (OSError, subprocess.SubprocessError, ValueError):
        return None, f"{node} --version did not answer"
    if major < MIN_NODE:
        return None, f"node {version} is too old (V8 needs node >= {MIN_NODE})"
    return node, version


def v8_engine(timeout: float = 60.0) -> ProgramEngine:
    node, why = find_node()
    if node is None:
        raise EngineUnavailable(f"engine 'v8' is unsupported here: {why}")
    command = shlex.join([node, *NODE_FLAGS, str(ADAPTER)])
    return ProgramEngine(f"program:v8={command}", timeout=timeout)
