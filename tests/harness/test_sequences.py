"""Instantiation sequences: every known-bug scenario becomes assertions, and
a campaign over refimpl's modes and wasmtime finds no divergence."""

from harness.fuzz.sequences import SCENARIOS, _binary, _Gen, campaign
from harness.probes.export_wast import export_modules


def test_every_scenario_is_checked_by_assertions():
    for name, steps in SCENARIOS.items():
        binaries = [_binary(s) for s in steps]
        assert all(b is not None for b in binaries), name
        assert export_modules(binaries, "2.0,+multi-memory").assertions > 0, name


def test_generated_sequences_are_modules_wasm_tools_reads():
    import random

    steps = _Gen(random.Random(3)).sequence()
    assert 2 <= len(steps) <= 5
    assert all(_binary(s) is not None for s in steps)


def test_a_small_campaign_agrees_across_lanes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # failures would be written here
    result = campaign(4, seed=5, lanes=["refimpl", "refimpl[pooled]", "wasmtime"], per_script=2)
    assert result["failures"] == []
    assert result["figures"]["sequences"] == len(SCENARIOS) + 4
    assert result["figures"]["assertions"] > 0
