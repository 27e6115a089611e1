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
    from harness.corpus.stubs import parse_wat

    return parse_wat
