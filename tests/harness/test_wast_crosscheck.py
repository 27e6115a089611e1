"""CI cross-check of refimpl's text parser against wasm-tools (and, for
profile mvp, wast2json): every module of the official suites and of our
own scripts gives the same bytes, or differs for a reason ``crosscheck``
documents and checks; every malformed text module is rejected with the
expected message.

Modules refimpl can't encode or decode yet are not failures: each test
lists them with their reason in a warning, so they are counted, never
hidden.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.script import load_script
from harness.script.commands import CUSTOM_ASSERTIONS, AssertMalformed
from harness.script.crosscheck import ALLOWED, CrossCheck, check_script
from harness.script.wast import parse_script
from harness.testsuite import OWN_SPECTESTS, find_testsuite, profiles_for, suite_profile
from refimpl import Features
from refimpl.errors import MalformedModule, UnsupportedFeature
from refimpl.text import parse_module

PENDING = ("undecidable", "not encoded by refimpl")


def _files(suite: str) -> list[tuple[Path, str]]:
    if suite == "own":
        return [(p, profiles_for(p, None)[0]) for p in sorted(OWN_SPECTESTS.rglob("*.wast"))]
    root = find_testsuite()
    if root is None or not (root / suite).is_dir():
        pytest.skip(f"the official testsuite ({suite}) was not found")
    paths = sorted((root / suite).glob("*.wast"))
    for folder in ("legacy", "custom"):
        paths += sorted((root / suite / folder).glob("*.wast"))
    return [(p, suite_profile(p, root) or "3.0") for p in paths]


@dataclass(frozen=True)
class Parsed:
    """A suite's scripts as refimpl's text parser reads them."""

    suite: str
    scripts: list[tuple[Path, str, list]]  # path, profile, commands


@pytest.fixture(scope="module", params=["wasm-2.0", "pre-bulk-memory", "current", "own"])
def parsed(request) -> Parsed:
    """Each suite parsed once for both tests below (module scope: pytest
    runs a suite's two tests one after the other, then drops it)."""
    suite = request.param
    scripts = []
    for path, profile in _files(suite):
        scripts.append((path, profile, parse_script(path.read_bytes(), Features.parse(profile))))
    return Parsed(suite, scripts)


def test_same_bytes_as_the_converters(parsed):
    suite = parsed.suite
    result = CrossCheck()
    for path, profile, mine in parsed.scripts:
        features = Features.parse(profile)
        theirs = load_script(path, "auto", profile).commands
        check_script(path, mine, theirs, features, result)
    pending = [d for d in result.differences if d.split(": ", 1)[1].startswith(PENDING)]
    if pending:
        warnings.warn(
            f"{suite}: {len(pending)} modules not compared yet:\n  " + "\n  ".join(pending),
            stacklevel=1,
        )
    real = [d for d in result.differences if d not in pending]
    assert not real, f"{suite}: {dict(result.verdicts)}\n" + "\n".join(real[:50])
    assert sum(result.verdicts[v] for v in ALLOWED) > 0


def test_malformed_text_modules_are_rejected_with_the_expected_message(parsed):
    suite = parsed.suite
    checked: Counter[str] = Counter()
    wrong = []
    for path, profile, commands in parsed.scripts:
        features = Features.parse(profile)
        for cmd in commands:
            if not isinstance(cmd, AssertMalformed) or isinstance(cmd, CUSTOM_ASSERTIONS):
                continue
            if cmd.module.text is None:
                continue  # a binary module: the decoder's business
            try:
                parse_module(cmd.module.text, features)
            except MalformedModule as exc:
                if exc.message.startswith(cmd.text):
                    checked["rejected as expected"] += 1
                    continue
                wrong.append(f"{path.name}:{cmd.line}: {exc.message!r}, wanted {cmd.text!r}")
            except UnsupportedFeature as exc:
                wrong.append(f"{path.name}:{cmd.line}: unsupported ({exc.message})")
            else:
                wrong.append(f"{path.name}:{cmd.line}: accepted, wanted {cmd.text!r}")
    assert not wrong, "\n".join(wrong[:50])
    if suite != "own":
        assert checked["rejected as expected"] > 0


def _branch_hint_files() -> list[Path]:
    root = find_testsuite()
    if root is None:
        pytest.skip("the official testsuite was not found")
    files = [root / "current" / "custom" / "branch_hint.wast"]
    files += sorted((root.parent / "foreign" / "wasmtime-misc").glob("branch-hinting*.wast"))
    return [p for p in files if p.is_file()]


def test_branch_hint_sections_are_wasm_tools_bytes():
    """Every module with branch hint annotations (the suite's and wasmtime's)
    encodes to wasm-tools' bytes, hint section included."""
    result = CrossCheck()
    files = _branch_hint_files()
    for path in files:
        profile = profiles_for(path, find_testsuite())[0]
        features = Features.parse(profile)
        mine = parse_script(path.read_bytes(), features)
        theirs = load_script(path, "wasm-tools", profile).commands
        check_script(path, mine, theirs, features, result)
    assert len(files) == 3, files
    assert not result.differences, "\n".join(result.differences)
    # Names aside, the hint sections are byte for byte wasm-tools'.
    assert result.verdicts["identical"] + result.verdicts["name section"] >= 4, result.verdicts
