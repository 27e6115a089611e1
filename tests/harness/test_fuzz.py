"""The fuzz campaigns' machinery: generated modules run on several
engines, divergences found and written as .wast, the driver's shards and
summary, the mutation campaign's verdicts."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

import refimpl
from harness.cli import main
from harness.engines import engines_for
from harness.fuzz.campaign import Config, Item, drive
from harness.fuzz.campaigns import CAMPAIGNS
from harness.fuzz.differential import (
    AGREED,
    DIVERGED,
    RESOURCE_LIMIT,
    TIMED_OUT,
    UNSUPPORTED,
    run_module,
)
from harness.fuzz.minimize import aspect, regression_wast
from harness.fuzz.mutation import judge_binary, judge_text, mutate
from harness.fuzz.smith import generate
from harness.fuzz.text_mutation import OWN_SEEDS
from harness.fuzz.text_mutation import mutate as mutate_text
from refimpl.features import Features

HERE = Path(__file__).resolve().parent
WRONG = "python:wrong_engine:OffByOne"
sys.path.insert(0, str(HERE))

# (module (memory 1) (func (export "f") (param i32) (result i32)
#   (i32.store (i32.const 0) (local.get 0)) (i32.add (local.get 0) (i32.const 1))))
ADD_ONE = bytes.fromhex(
    "0061736d0100000001060160017f017f030201000503010001070501016600000a"
    "10010e0041002000360200200041016a0b"
)


def test_engines_that_agree_agree():
    run = run_module(ADD_ONE, engines_for(("refimpl", "refimpl-interpreter"), False, 20), "2.0")
    assert run.outcome == AGREED and run.calls == 2


def test_a_wrong_result_is_a_divergence_with_both_candidates():
    engines = ("refimpl", WRONG)
    run = run_module(ADD_ONE, engines_for(engines, False, 20), "2.0")
    assert run.outcome == DIVERGED
    assert aspect(run) == "invoke:values"
    wast = regression_wast(ADD_ONE, engines, "2.0", 0, "test")
    assert ';; candidate of refimpl:\n(assert_return (invoke "f"' in wast
    assert ';; candidate of off-by-one:\n;; (assert_return (invoke "f"' in wast


def test_unsupported_is_skipped_not_agreement():
    # A module with a tag: refimpl's executors decline tags until they run exceptions,
    # or, once they do, it agrees; it never counts as agreement while unsupported.
    tagged = bytes.fromhex("0061736d01000000010401600000030201000d03010000")
    run = run_module(tagged, engines_for(("refimpl", "wasmtime"), False, 20), "3.0")
    assert run.outcome in (AGREED, UNSUPPORTED)
    assert (run.outcome == UNSUPPORTED) == bool(run.unsupported)


def _wat(text: str) -> bytes:
    from wasmtime import wat2wasm

    return bytes(wat2wasm(text))


def test_one_engines_resource_limit_is_skipped_with_its_reason():
    # An array beyond refimpl's limit, which wasmtime allocates: the spec
    # allows exhaustion anywhere, so neither is wrong, and nothing compared.
    binary = _wat(
        '(module (type $a (array i8)) (global (export "g") (ref $a)'
        " (array.new_default $a (i32.const 668670663))))"
    )
    run = run_module(binary, engines_for(("refimpl", "wasmtime"), False, 20), "3.0")
    assert run.outcome == RESOURCE_LIMIT
    assert run.unsupported.startswith("refimpl: out of memory: an array of 668670663")


def test_table_growth_beyond_refimpls_limit_fails_fast_on_both_engines():
    # 2.0 item 3456: wasmtime filled a table of 2.35e9 elements past the
    # 20 s timeout; with the store limited as refimpl is, both return -1.
    binary = _wat(
        '(module (table (export "t") 92 externref) (func (export "grow") (param i32)'
        " (result i32) (table.grow 0 (ref.null extern) (local.get 0))))"
    )
    run = run_module(binary, engines_for(("refimpl", "wasmtime"), False, 5), "2.0", calls=1)
    assert run.outcome == AGREED and run.calls == 1
    for text in ("(module (table 20000000 funcref))", "(module (memory i64 0x1000000000))"):
        run = run_module(_wat(text), engines_for(("refimpl", "wasmtime"), False, 20), "3.0")
        assert run.outcome == AGREED, run.divergences  # exhaustion on both


def test_an_exception_escaping_the_start_function_is_thrown_on_both_engines():
    # 3.0 item 1185: wasmtime's was a link error ("thrown Wasm exception").
    binary = _wat("(module (tag $e) (func $s (throw $e)) (start $s))")
    run = run_module(binary, engines_for(("refimpl", "wasmtime"), False, 20), "3.0")
    assert run.outcome == AGREED, run.divergences


def test_an_in_process_engine_past_its_deadline_is_a_timeout_not_a_hang():
    binary = _wat('(module (func (export "hang") (result i32) (i32.const 1)))')
    engines = engines_for(("refimpl", "python:faulty_engine:FaultyEngine"), False, 1)
    run = run_module(binary, engines, "2.0", calls=1, timeout=1)
    assert run.outcome == TIMED_OUT and run.unsupported == "faulty: timeout"


@pytest.mark.parametrize("profile", ["mvp", "2.0", "3.0"])
def test_smith_modules_are_valid_for_their_profile(profile):
    from harness.lenient_reader import export_signatures

    module = generate(5, 0, profile, canonical_nans=True)
    assert export_signatures(module.binary) is not None
    assert module.binary == generate(5, 0, profile, canonical_nans=True).binary


def test_smith_generates_the_proposals_refimpl_implements():
    from harness.fuzz.smith import smith_flags

    flags = smith_flags("3.0,+wide_arithmetic,+custom_page_sizes")
    assert flags["wide-arithmetic-enabled"] == flags["custom-page-sizes-enabled"] == "true"
    assert smith_flags("3.0")["wide-arithmetic-enabled"] == "false"
    with pytest.raises(ValueError, match="smith can't generate"):
        smith_flags("3.0,+threads")
    features = Features.parse("3.0,+wide_arithmetic,+custom_page_sizes")
    for index in range(3):
        refimpl.load(generate(5, index, features.name).binary, features)


def test_shards_partition_the_campaign():
    seen = []

    def make(config, profile):
        def run(index):
            seen.append(index)
            from harness.fuzz.campaign import Item

            return Item("counted")

        return run

    for k in range(3):
        summary = drive("t", make, Config(count=10, shard=(k, 3), progress=False))
        assert summary["profiles"]["2.0"]["outcomes"] == {"counted": len(range(k, 10, 3))}
    assert sorted(seen) == list(range(10))


def test_mutation_verdicts():
    features = Features.parse("3.0")
    assert judge_binary(b"\0asm\x01\0\0\0", features, 5) == ("valid", "")
    assert judge_binary(b"\0asm\x02\0\0\0", features, 5)[0] == "MalformedModule"
    import random

    rng = random.Random(1)
    assert {len(mutate(rng, ADD_ONE)) for _ in range(50)} != {len(ADD_ONE)}


def test_cli_writes_a_json_summary(tmp_path, capsys):
    out = tmp_path / "s.json"
    code = main(
        ["fuzz", "executors", "--profile", "mvp", "--count", "3", "--quiet", "--json", str(out)]
    )
    summary = json.loads(out.read_text())
    assert code == 0 and summary["items"] == 3 and summary["campaign"] == "executors"
    assert "executors [mvp]: 3 items" in capsys.readouterr().out
    assert set(CAMPAIGNS) >= {"differential", "executors", "binary", "text", "script"}


def test_an_interrupted_campaign_keeps_its_summary():
    from harness.fuzz.campaign import Item

    def make(config, profile):
        def run(index):
            if index == 3:
                raise KeyboardInterrupt
            return Item("counted")

        return run

    summary = drive("t", make, Config(count=10, profiles=("mvp", "2.0"), progress=False))
    assert summary["items"] == 3 and list(summary["profiles"]) == ["mvp"]
    assert summary["profiles"]["mvp"]["interrupted"]


def test_text_verdicts():
    features = Features.parse("3.0")
    assert judge_text(b"(module (func))", features, 5) == ("parsed", "")
    out_of_range = b"(module (func i32.const 0x1_0000_0000 drop))"
    assert judge_text(out_of_range, features, 5)[0] == "TextError"  # a MalformedModule
    deep = b"(module (func " + b"block " * 2000 + b"end " * 2000 + b"))"
    assert judge_text(deep, features, 5)[0].startswith("UnsupportedFeature: implementation")


def test_text_mutations_keep_much_of_the_syntax():
    """Structure-aware mutations: a good share of mutated modules still
    parse (byte flips alone left about 4%)."""
    rng = random.Random(5)
    features = Features.parse("3.0")
    outcomes = [
        judge_text(mutate_text(rng.choice(OWN_SEEDS), rng), features, 5)[0] for _ in range(400)
    ]
    assert outcomes.count("parsed") > 40
    assert "stray exception" not in outcomes


def test_the_slowest_item_is_reported():
    def make(config, profile):
        return lambda index: Item("counted")

    summary = drive("t", make, Config(count=3, progress=False))
    assert summary["profiles"]["2.0"]["slowest"]["index"] in (0, 1, 2)
