"""Instantiation sequences: every known-bug scenario becomes assertions, and
a campaign over refimpl's modes and wasmtime finds no divergence."""

from harness.fuzz.sequences import HUGE_PAGES, SCENARIOS, _binary, _Gen, batches, campaign
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
    figures = result["script lanes"]
    assert figures["sequences"] == len(SCENARIOS) + 4
    assert figures["assertions"] > 0


def test_shards_split_batches_exactly():
    whole = [label for label, _, _ in batches(10, 1, 2)]
    parts = [label for k in range(3) for label, _, _ in batches(10, 1, 2, (k, 3))]
    assert sorted(parts) == sorted(whole) and len(whole) == 5
    # A batch is the same whichever shard draws it.
    assert next(batches(10, 1, 2, (1, 3)))[1] == list(batches(10, 1, 2))[1][1]


def test_huge_memories_get_in_bounds_offsets_at_and_beyond_2_31():
    import random

    gen = _Gen(random.Random(0))
    texts = [gen.module() for _ in range(400)]
    huge = [t for t in texts if f"(memory {HUGE_PAGES})" in t]
    assert huge
    assert any("(i32.const 2147483648)" in t or "(i32.const 2147483647)" in t for t in huge)
    assert any('(export "act0")' in t for t in texts)
