"""Guard of the script reader's common path (harness/script/quick.py): for
every script of the official suites and of our own, the commands read with
the quick path equal those read by the general reader alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.script.wast import parse_script
from harness.testsuite import (
    OWN_SPECTESTS,
    find_testsuite,
    profiles_for,
    suite_files,
    suite_profile,
)
from refimpl import Features


def _files(suite: str) -> list[tuple[Path, str]]:
    """Every script of ``suite`` (its subfolders too) with the profile it is
    judged under."""
    if suite == "own":
        paths, root = sorted(OWN_SPECTESTS.rglob("*.wast")), None
    else:
        root = find_testsuite()
        if root is None or not (root / suite).is_dir():
            pytest.skip(f"the official testsuite ({suite}) was not found")
        paths = suite_files(root, suite, nested=True)
    return [(p, suite_profile(p, root) or profiles_for(p, None)[0]) for p in paths]


@pytest.mark.parametrize("suite", ["wasm-2.0", "pre-bulk-memory", "current", "own"])
def test_quick_path_reads_as_the_general_reader(suite: str) -> None:
    files = _files(suite)
    assert files, f"no scripts found for {suite}"
    differ = []
    for path, profile in files:
        source = path.read_bytes()
        features = Features.parse(profile)
        if parse_script(source, features) != parse_script(source, features, quick=False):
            differ.append(path.name)
    assert differ == [], f"quick path differs on {differ}"
