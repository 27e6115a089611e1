"""Helpers for tests that run pytest on scripts of their own (pytester)."""

from pathlib import Path

import pytest

# The repository's root conftest: it loads the spec-script plugin unless an
# installed copy already registered it through its entry point.
ROOT_CONFTEST = (Path(__file__).resolve().parents[2] / "conftest.py").read_text()


@pytest.fixture
def project(pytester):
    """A pytester project whose pytest has the spec-script plugin, exactly once."""
    pytester.makeconftest(ROOT_CONFTEST)
    return pytester


@pytest.fixture
def wat():
    """WAT text to a binary, by wasm-tools (the converter's)."""
    import subprocess

    from harness.script.convert import Converter

    exe = str(Converter("wasm-tools").executable())

    def parse(text: str) -> bytes:
        argv = [exe, "parse", "-", "-o", "/dev/stdout"]
        return subprocess.run(argv, input=text.encode(), capture_output=True, check=True).stdout

    return parse
