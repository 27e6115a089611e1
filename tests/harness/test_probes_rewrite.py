"""The probe rewrite keeps a module's meaning: its export list grows, and one
function (the accessor of declared functions) is appended after the module's own."""

from dataclasses import replace

import pytest

from harness.engines import create_engine
from harness.engines.base import SessionOptions
from harness.lenient_reader import sections
from harness.probes.rewrite import (
    EXPORTED_KINDS,
    FUNC_ACCESSOR,
    PROBE_PREFIX,
    module_shape,
    parse_probe_name,
    probe_binary,
    probe_name,
)
from harness.runner import ScriptRunner
from harness.script import load_script
from harness.script.commands import ModuleCommand
from harness.testsuite import find_testsuite
from refimpl import Features, MalformedModule, UnsupportedFeature
from refimpl.binary import decode_module
from refimpl.syntax.module import ExternKind

SUITE_FILES = [
    "binary.wast",
    "custom.wast",
    "data.wast",
    "elem.wast",
    "exports.wast",
    "func.wast",
    "global.wast",
    "imports.wast",
    "linking.wast",
    "memory.wast",
    "names.wast",
    "ref_func.wast",
    "start.wast",
    "table.wast",
    "bulk.wast",
]

HANDMADE = r"""
(module)
(module (func $s) (start $s) (memory 1) (data (i32.const 1) "x"))
(module (global (mut i32) (i32.const 3)) (table 2 funcref) (elem (i32.const 0) $f $f) (func $f))
(module (import "spectest" "memory" (memory 1)) (import "spectest" "table" (table 10 funcref))
        (import "spectest" "global_i32" (global i32)) (import "spectest" "print" (func))
        (func (export "f")) (global (export "g") i64 (i64.const 1)))
(module binary
  "\00asm" "\01\00\00\00"
  "\00\04\02c0\00"                      ;; a custom section first
  "\01\04\01\60\00\00"                  ;; type
  "\03\02\01\00"                        ;; function
  "\00\03\01a\00"                       ;; a custom section between
  "\08\01\00"                           ;; start: no export section before it
  "\0a\04\01\02\00\0b"                  ;; code
  "\00\03\01b\00"                       ;; a custom section last
)
"""

FEATURES = Features.parse("2.0")


def suite_modules():
    root = find_testsuite()
    if root is None:
        return []
    out = []
    for name in SUITE_FILES:
        path = root / "wasm-2.0" / name
        if path.exists():
            out.append(path)
    return out


def binaries_of(path):
    script = load_script(path, profile="2.0")
    for cmd in script.commands:
        if isinstance(cmd, ModuleCommand) and cmd.module.binary is not None:
            yield cmd.line, cmd.module.binary


def check_meaning_kept(binary: bytes) -> bool:
    try:
        old = decode_module(binary, FEATURES)
    except (MalformedModule, UnsupportedFeature):
        return False  # not a module refimpl reads (e.g. a later proposal's): nothing to compare
    rewritten = probe_binary(binary)
    assert rewritten is not None
    new_binary, shape = rewritten
    new = decode_module(new_binary, FEATURES)
    nfuncs = len(old.func_type_indices())
    # The functions a table, global or export of the module can name.
    declared = sorted(old_refs(old))
    assert shape.refs == tuple(declared)
    accessor = 1 if declared else 0
    # Everything but the export list and the appended accessor is the same:
    # types, imports, functions and their code, tables, memories, globals,
    # segments, start, customs.
    same = replace(
        new,
        exports=old.exports,
        types=new.types[: len(new.types) - accessor],
        rec_groups=new.rec_groups[: len(new.rec_groups) - accessor],
        funcs=new.funcs[: len(new.funcs) - accessor],
    )
    assert same == old
    assert new.exports[: len(old.exports)] == old.exports
    added = new.exports[len(old.exports) :]
    assert all(e.name.startswith(PROBE_PREFIX) for e in added)
    # One export per table, memory and global, at its own index, and the
    # accessor (the function after the module's own) if any is declared.
    counts = {
        "table": len(old.table_types()),
        "memory": len(old.mem_types()),
        "global": len(old.global_types()),
    }
    want = {(kind, i) for kind in EXPORTED_KINDS for i in range(counts[kind])}
    items = [e for e in added if e.name != FUNC_ACCESSOR]
    assert {parse_probe_name(e.name) for e in items} == want
    for e in items:
        kind, index = parse_probe_name(e.name)
        assert e.index == index and e.kind.name.lower() == kind
    assert shape.probe_exports == {k: probe_name(*k) for k in want}
    functions = [e for e in added if e.name == FUNC_ACCESSOR]
    assert [(e.kind, e.index) for e in functions] == [(ExternKind.FUNC, nfuncs)] * accessor
    assert shape.func_accessor == bool(declared)
    # Only the export, type, function and code sections changed: every
    # other section is byte for byte the same, in the same order.
    assert untouched(new_binary) == untouched(binary)
    return True


def old_refs(module) -> set[int]:
    """The functions the module declares, from refimpl's decoding: exported
    ones and those its segments and initialisers name (spec: C.refs)."""
    from refimpl.syntax.module import ExternKind as K

    refs = {e.index for e in module.exports if e.kind == K.FUNC}
    exprs = [g.init for g in module.globals] + [getattr(t, "init", None) for t in module.tables]
    for seg in module.elems:
        exprs += list(seg.init)
    for expr in exprs:
        for instr in expr or ():
            if instr[0] == 0xD2:  # ref.func
                refs.add(instr[1])
    return refs


def untouched(binary: bytes) -> list[bytes]:
    return [binary[s.start : s.end] for s in sections(binary) if s.id not in (1, 3, 7, 10)]


def test_handmade_modules_keep_their_meaning(tmp_path):
    path = tmp_path / "m.wast"
    path.write_text(HANDMADE)
    binaries = list(binaries_of(path))
    assert len(binaries) == 5
    for _, binary in binaries:
        decode_module(binary, FEATURES)  # all of them are well-formed
        check_meaning_kept(binary)


@pytest.mark.parametrize("path", suite_modules(), ids=lambda p: p.name)
def test_suite_modules_keep_their_meaning(path):
    checked = [check_meaning_kept(binary) for _, binary in binaries_of(path)]
    assert sum(checked) >= max(1, len(checked) // 2)


def test_export_section_created_in_section_order(tmp_path):
    path = tmp_path / "m.wast"
    path.write_text(HANDMADE)
    binary = list(binaries_of(path))[-1][1]
    new_binary, shape = probe_binary(binary)
    assert shape.has_start
    # decode_module enforces the section order: the new export section went
    # before the start section, after the custom section that preceded it.
    module = decode_module(new_binary, FEATURES)
    assert module.start == 0
    assert [c.name for c in module.customs] == ["c0", "a", "b"]


def test_colliding_names_are_not_rewritten(tmp_path):
    path = tmp_path / "m.wast"
    path.write_text('(module (func (export "\\00probe:f0")))')
    ((_, binary),) = binaries_of(path)
    assert probe_binary(binary) is None
    assert module_shape(binary) is not None


def test_unreadable_binaries_are_not_rewritten():
    assert probe_binary(b"\x00asm\x01\x00\x00\x00\x07\x05") is None
    assert probe_binary(b"not wasm") is None
    assert module_shape(b"") is None


def test_shape_reads_imports_counts_and_types(tmp_path):
    path = tmp_path / "m.wast"
    path.write_text(HANDMADE)
    binary = list(binaries_of(path))[3][1]
    shape = module_shape(binary)
    assert [(i.module, i.name, i.kind) for i in shape.imports] == [
        ("spectest", "memory", "memory"),
        ("spectest", "table", "table"),
        ("spectest", "global_i32", "global"),
        ("spectest", "print", "func"),
    ]
    assert shape.counts == {"func": 2, "table": 1, "memory": 1, "global": 2}
    assert shape.table_types == ("funcref",)
    assert shape.global_types == (("i32", False), ("i64", False))
    assert shape.exports["g"] == ("global", 1)


BEHAVIOUR_FILES = ["linking.wast", "data.wast", "elem.wast", "start.wast", "exports.wast"]


@pytest.mark.parametrize("name", BEHAVIOUR_FILES)
def test_rewritten_modules_behave_the_same(name):
    """Every command has the same outcome whether the engines run the
    original modules or the rewritten ones (probes on)."""
    root = find_testsuite()
    if root is None or not (root / "wasm-2.0" / name).exists():
        pytest.skip("the official testsuite is not available")
    script = load_script(root / "wasm-2.0" / name, profile="2.0")
    options = SessionOptions(profile="2.0")

    def outcomes(probes: bool):
        engines = [create_engine("refimpl"), create_engine("refimpl-interpreter")]
        runner = ScriptRunner(script, engines, options, probes=probes)
        results = list(runner.run_all())
        if probes:
            assert runner.probing
            assert sum(r.figures.instantiations_probed for r in results) > 0
            assert not any(r.divergences for r in results)
        return [(r.line, [(x.engine, x.outcome) for x in r.results]) for r in results]

    assert outcomes(probes=True) == outcomes(probes=False)


ACCESSOR_MODULE = r"""
(module
  (import "spectest" "print_i32" (func $imp (param i32)))
  (func $a) (func $b) (func $c) (func $d) (func $e (export "e"))
  (table 4 funcref)
  (elem (i32.const 0) func $a $imp)
  (elem declare func $c)
  (global funcref (ref.func $d))
)
"""


def test_the_accessor_returns_each_declared_function_and_null_for_the_others(tmp_path):
    """``ref.func i`` for the functions the
    module declares (segments, initialisers, exports), null otherwise."""
    import refimpl
    from refimpl.host.spectest import spectest_instance

    path = tmp_path / "m.wast"
    path.write_text(ACCESSOR_MODULE)
    ((_, binary),) = binaries_of(path)
    data, shape = probe_binary(binary)
    assert shape.refs == (0, 1, 3, 4, 5)  # $imp $a $c $d $e; $b is not declared
    features = Features.parse("2.0")
    store = refimpl.Store(features)
    inst = refimpl.instantiate(
        store, refimpl.load(data, features), {"spectest": spectest_instance(features)}
    )
    accessor = inst.exports[FUNC_ACCESSOR]
    got = [refimpl.invoke(store, accessor, [i])[0] for i in range(8)]
    assert [getattr(f, "index", None) for f in got[1:6]] == [1, None, 3, 4, 5]
    assert got[2] is None and got[6] is None and got[7] is None
    assert got[0] is not None  # the imported function
    assert not probe_binary(binary, functions=False)[1].func_accessor
