"""refimpl.preinit: snapshot pre-initialization (Wizer semantics)."""

from __future__ import annotations

import pytest
from binary_helpers import wat

from harness.preinit.check import check_module
from refimpl.binary import decode_module
from refimpl.errors import Trap
from refimpl.exec.numerics import f32_to_bits, f64_to_bits
from refimpl.features import MVP, WASM_2_0, WASM_3_0
from refimpl.preinit import Refused, preinitialize, preinitialize_module
from refimpl.preinit import errors as reasons
from refimpl.preinit.api import load_input
from refimpl.preinit.regions import merge_runs, merge_to_target, nonzero_runs, present_runs
from refimpl.preinit.run import initialize, instantiate_with_stand_ins
from refimpl.preinit.snapshot import take_snapshot
from refimpl.runtime.values import ExternRef
from refimpl.syntax.module import Active, Passive
from refimpl.syntax.opcodes import Op


def run_snapshot(binary: bytes, features=WASM_2_0):
    """The snapshot's module and a fresh instance of it."""
    module = decode_module(binary, features)
    return module, instantiate_with_stand_ins(module, features)


def call(inst_run, name: str, *args):
    inst = inst_run.inst
    return inst_run.store.invoke(inst.exports[name], list(args))


STATEFUL = """
(module
  (import "env" "log" (func $log (param i32)))
  (memory (export "mem") 1 4)
  (table $t (export "tab") 2 10 funcref)
  (table $x 1 externref)
  (global $i32 (export "i32") (mut i32) (i32.const 0))
  (global $i64 (mut i64) (i64.const 0))
  (global $f32 (mut f32) (f32.const 0))
  (global $f64 (mut f64) (f64.const 0))
  (global $v (mut v128) (v128.const i64x2 0 0))
  (global $fr (mut funcref) (ref.null func))
  (global $er (mut externref) (ref.null extern))
  (global $k i32 (i32.const 99))
  (data $active (i32.const 0) "active")
  (data $kept "kept bytes")
  (data $dropped "dropped bytes")
  (elem $eactive (table $t) (i32.const 0) func $a)
  (elem $ekept funcref (ref.func $b) (ref.null func))
  (elem $edropped func $a $b)
  (elem declare func $c)
  (func $a (result i32) (i32.const 1))
  (func $b (result i32) (i32.const 2))
  (func $c (result i32) (i32.const 3))
  (func $start (global.set $i64 (i64.const -1)))
  (start $start)
  (func (export "wizer.initialize")
    (global.set $i32 (i32.const 42))
    (global.set $f32 (f32.const nan:0x200001))
    (global.set $f64 (f64.const -nan:0x4000000000001))
    (global.set $v (v128.const i32x4 1 2 3 4))
    (global.set $fr (ref.func $c))
    (i64.store (i32.const 1000) (i64.const 0x0102030405060708))
    (memory.fill (i32.const 5000) (i32.const 7) (i32.const 100))
    (drop (memory.grow (i32.const 1)))
    (i32.store (i32.const 70000) (i32.const -1))
    (data.drop $dropped)
    (elem.drop $edropped)
    (table.set $t (i32.const 1) (ref.func $b))
    (drop (table.grow $t (ref.func $c) (i32.const 2)))
  )
  (func (export "get_i32") (result i32) (global.get $i32))
  (func (export "get_fr") (result funcref) (global.get $fr))
  (func (export "call") (param i32) (result i32) (call_indirect (result i32) (local.get 0)))
  (func (export "init_kept") (param i32 i32 i32)
    (memory.init $kept (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init_dropped") (param i32 i32 i32)
    (memory.init $dropped (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init_active") (param i32 i32 i32)
    (memory.init $active (local.get 0) (local.get 1) (local.get 2)))
  (func (export "drop_kept") (data.drop $kept))
  (func (export "tinit_kept") (param i32 i32 i32)
    (table.init $t $ekept (local.get 0) (local.get 1) (local.get 2)))
  (func (export "tinit_dropped") (param i32 i32 i32)
    (table.init $t $edropped (local.get 0) (local.get 1) (local.get 2)))
  (func (export "tinit_active") (param i32 i32 i32)
    (table.init $t $eactive (local.get 0) (local.get 1) (local.get 2)))
  (func (export "refc") (result funcref) (ref.func $c))
  (func (export "log") (call $log (i32.const 1)))
)
"""


@pytest.fixture(scope="module")
def stateful() -> bytes:
    return wat(STATEFUL)


@pytest.fixture(scope="module")
def snapshot(stateful):
    return preinitialize(stateful)


def test_state_is_baked_in(snapshot):
    _, s = run_snapshot(snapshot)
    g = s.inst.globals
    assert g[0].value == 42
    assert g[1].value == 0xFFFFFFFFFFFFFFFF  # the start function ran
    assert f32_to_bits(g[2].value) == 0x7FA00001
    assert f64_to_bits(g[3].value) == 0xFFF4000000000001
    assert g[4].value == 0x00000004000000030000000200000001
    assert g[5].value is s.inst.funcs[3]
    assert g[6].value is None
    mem = s.inst.mems[0].data
    assert len(mem) == 2 * 65536
    assert mem[0:6] == b"active"
    assert mem[1000:1008] == bytes(range(8, 0, -1))
    assert mem[5000:5100] == b"\x07" * 100
    assert mem[70000:70004] == b"\xff" * 4
    assert [len(t.elements) for t in s.inst.tables] == [4, 1]
    assert call(s, "call", 0) == [1] and call(s, "call", 1) == [2] and call(s, "call", 3) == [3]


def test_module_shape(snapshot, stateful):
    original = decode_module(stateful, WASM_2_0)
    module = decode_module(snapshot, WASM_2_0)
    assert module.start is None
    names = [e.name for e in module.exports]
    assert "wizer.initialize" not in names and "get_i32" in names
    assert module.mems[0].type.limits.min == 2 and module.mems[0].type.limits.max == 4
    assert module.tables[0].type.limits.min == 4 and module.tables[0].type.limits.max == 10
    # the index spaces of segments are kept, new segments come after
    assert len(module.datas) > len(original.datas)
    assert module.data_count == len(module.datas)
    assert [d.init for d in module.datas[:3]] == [b"", b"kept bytes", b""]
    assert all(isinstance(d.mode, Passive) for d in module.datas[:3])
    assert all(isinstance(d.mode, Active) for d in module.datas[3:])
    assert [len(e.init) for e in module.elems[:3]] == [0, 2, 0]
    assert module.elems[3] == original.elems[3]  # declarative stays


def test_segments_behave_as_in_the_original(snapshot, stateful):
    original = initialize(decode_module(stateful, WASM_2_0), WASM_2_0, "wizer.initialize")
    _, snap = run_snapshot(snapshot)
    for side in (original, snap):
        # undropped passive: its bytes are there
        call(side, "init_kept", 200, 0, 10)
        assert side.inst.mems[0].data[200:210] == b"kept bytes"
        # dropped (by init, or active): only the empty access succeeds
        for name in ("init_dropped", "init_active", "tinit_dropped", "tinit_active"):
            call(side, name, 0, 0, 0)
            with pytest.raises(Trap, match="out of bounds"):
                call(side, name, 0, 0, 1)
        call(side, "tinit_kept", 2, 0, 2)
        assert side.inst.tables[0].elements[2:4] == [side.inst.funcs[2], None]
        call(side, "drop_kept")
        with pytest.raises(Trap):
            call(side, "init_kept", 0, 0, 1)


def test_differential_check(stateful):
    r = check_module(stateful, calls=3)
    assert r.snapshotted and not r.divergences, r.divergences
    assert r.calls > 30


def test_imports_are_trapping_stand_ins(snapshot):
    _, s = run_snapshot(snapshot)
    with pytest.raises(Trap, match=r"env\.log"):
        call(s, "log")


def test_keep_init_and_renames(stateful):
    out = preinitialize(stateful, keep_init=True, renames=["get=get_i32", "call=refc"])
    names = [e.name for e in decode_module(out, WASM_2_0).exports]
    assert "wizer.initialize" in names
    assert "get" in names and "get_i32" not in names
    assert names.count("call") == 1  # replaced the old "call"
    _, s = run_snapshot(out)
    assert call(s, "get") == [42]
    with pytest.raises(Refused) as exc:
        preinitialize(stateful, renames={"x": "nope"})
    assert exc.value.reason == reasons.BAD_RENAME


def test_ref_func_declarations_survive(stateful):
    # $c is named by ref.func in a body; only the declarative segment and
    # the start-time global declare it: the snapshot must still validate.
    out = preinitialize_module(load_input(stateful, WASM_2_0), WASM_2_0)
    _, s = run_snapshot(out.binary)
    assert call(s, "refc") == [s.inst.funcs[3]]


def test_wasmtime_runs_the_snapshot(snapshot):
    import wasmtime

    from harness.engines.wasmtime_engine import new_engine

    store = wasmtime.Store(new_engine())
    module = wasmtime.Module(store.engine, snapshot)
    log = wasmtime.Func(store, wasmtime.FuncType([wasmtime.ValType.i32()], []), lambda x: None)
    inst = wasmtime.Instance(store, module, [log])
    assert inst.exports(store)["get_i32"](store) == 42
    mem = inst.exports(store)["mem"]
    assert mem.read(store, 1000, 1008) == bytes(range(8, 0, -1))
    assert inst.exports(store)["call"](store, 3) == 3


# -- refusals -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason", "words"),
    [
        ('(module (import "m" "mem" (memory 1)))', reasons.IMPORTED_MEMORY, "m.mem"),
        ('(module (import "m" "t" (table 1 funcref)))', reasons.IMPORTED_TABLE, "m.t"),
        ('(module (import "m" "g" (global i32)))', reasons.IMPORTED_GLOBAL, "m.g"),
        ("(module)", reasons.NO_INIT_FUNC, "wizer.initialize"),
        (
            '(module (memory (export "wizer.initialize") 1))',
            reasons.NO_INIT_FUNC,
            "not a function",
        ),
        (
            '(module (func (export "wizer.initialize") (param i32)))',
            reasons.INIT_SIGNATURE,
            "[i32]",
        ),
        (
            '(module (import "m" "f" (func $f)) (func (export "wizer.initialize") (call $f)))',
            reasons.CALLS_IMPORT,
            "the init function calls the import m.f",
        ),
        (
            '(module (import "m" "f" (func $f)) (start $f) (func (export "wizer.initialize")))',
            reasons.CALLS_IMPORT,
            "the start function calls the import m.f",
        ),
        (
            '(module (func (export "wizer.initialize") unreachable))',
            reasons.INIT_TRAPS,
            "unreachable",
        ),
        (
            '(module (func $f (call $f)) (func (export "wizer.initialize") (call $f)))',
            reasons.INIT_TRAPS,
            "call stack exhausted",
        ),
        (
            '(module (memory 0) (data (i32.const 1) "x") (func (export "wizer.initialize")))',
            reasons.INSTANTIATION_FAILS,
            "out of bounds",
        ),
    ],
)
def test_refusals(text, reason, words):
    with pytest.raises(Refused) as exc:
        preinitialize(wat(text), max_call_depth=200)
    assert exc.value.reason == reason
    assert words in exc.value.message


def test_refuses_invalid_input():
    with pytest.raises(Refused) as exc:
        preinitialize(b"\x00asm\x01\x00\x00\x00\x01")
    assert exc.value.reason == reasons.INVALID_INPUT


def test_refuses_unwritable_references():
    module = load_input(
        wat("(module (table 2 externref) (global (mut externref) (ref.null extern)))"), WASM_2_0
    )
    done = initialize(module, WASM_2_0, None)
    done.inst.tables[0].elements[1] = ExternRef(7)
    with pytest.raises(Refused) as exc:
        take_snapshot(module, done.inst)
    assert exc.value.reason == reasons.UNREPRESENTABLE
    assert "table 0 entry 1" in exc.value.message
    done.inst.tables[0].elements[1] = None
    done.inst.globals[0].value = ExternRef(1)
    with pytest.raises(Refused, match="global 0"):
        take_snapshot(module, done.inst)
    # a function of another instance
    other = initialize(module, WASM_2_0, None)
    done.inst.globals[0].value = None
    donor = load_input(wat('(module (func (export "f")))'), WASM_2_0)
    f = instantiate_with_stand_ins(donor, WASM_2_0).inst.funcs[0]
    done.inst.tables[0].elements[0] = f
    with pytest.raises(Refused, match="table 0 entry 0"):
        take_snapshot(module, done.inst)
    assert other is not done


# -- start function only, profiles ------------------------------------------------


def test_start_function_only():
    binary = wat(
        """(module (memory 1) (global (export "g") (mut i32) (i32.const 0))
           (func $s (global.set 0 (i32.const 5)) (i32.store (i32.const 8) (i32.const 9)))
           (start $s))"""
    )
    out = preinitialize(binary, init_func=None)
    module, s = run_snapshot(out)
    assert module.start is None
    assert s.inst.globals[0].value == 5 and s.inst.mems[0].data[8] == 9


def test_mvp_profile():
    binary = wat(
        """(module (memory 1) (table 3 funcref) (elem (i32.const 0) $f $f)
           (func $f) (global (mut i32) (i32.const 0))
           (data (i32.const 0) "abc")
           (func (export "wizer.initialize") (global.set 0 (i32.const 3))
             (i32.store8 (i32.const 1) (i32.const 0))))"""
    )
    out = preinitialize(binary, features=MVP)
    module = decode_module(out, MVP)
    assert module.data_count is None
    assert [d.init for d in module.datas] == [b"a\x00c"]  # the gap is merged
    r = check_module(binary, MVP)
    assert r.snapshotted and not r.divergences


def test_memory64_and_multi_memory():
    binary = wat(
        """(module (memory $a i64 1) (memory $b 1)
           (func (export "wizer.initialize")
             (i64.store $a (i64.const 100) (i64.const 1))
             (i32.store8 $b (i32.const 7) (i32.const 2))))"""
    )
    module = decode_module(preinitialize(binary, features=WASM_3_0), WASM_3_0)
    offsets = [d.mode.offset[0] for d in module.datas]
    assert [(o[0], o[1]) for o in offsets] == [(Op.I64_CONST, 100), (Op.I32_CONST, 7)]
    assert [d.mode.index for d in module.datas] == [0, 1]


# -- regions ------------------------------------------------------------------------


def test_nonzero_runs_and_merging():
    data = bytearray(100)
    data[3:5] = b"ab"
    data[8] = 1
    data[50:52] = b"xy"
    runs = nonzero_runs(data)
    assert runs == [(3, 5), (8, 9), (50, 52)]
    assert merge_runs(runs, min_gap=4) == [(3, 9), (50, 52)]
    assert merge_runs(runs, min_gap=1) == runs
    assert merge_runs(runs, min_gap=1, max_count=2) == [(3, 9), (50, 52)]
    assert merge_runs(runs, min_gap=1, max_count=1) == [(3, 52)]
    assert present_runs([None, 1, 2, None, 3], None) == [(1, 3), (4, 5)]


def test_segment_cap():
    body = "".join(f"(i32.store8 (i32.const {i * 100}) (i32.const 1))" for i in range(50))
    binary = wat(f'(module (memory 1) (func (export "wizer.initialize") {body}))')
    module = load_input(binary, WASM_2_0)
    # The input has no data segment: near gaps (99 zeros) merge into one.
    assert preinitialize_module(module).data_segments == 1
    # Gaps wider than near_gap are kept as segment boundaries ...
    assert preinitialize_module(module, near_gap=50).data_segments == 50
    # ... up to the hard cap, whatever the gaps.
    assert preinitialize_module(module, near_gap=50, max_segments=7).data_segments == 7
    assert preinitialize_module(module, min_gap=150, near_gap=0).data_segments == 1
    r = check_module(binary)
    assert r.snapshotted and not r.divergences


def test_merge_to_target():
    runs = [[(0, 2), (4, 6), (100, 101)], [], [(10, 11), (13, 14)]]
    # target 3 with near gaps <= 2: the two gaps of 2 merge; the gap of 94 stays.
    assert merge_to_target(runs, target=3, cap=10, near_gap=2) == [
        [(0, 6), (100, 101)],
        [],
        [(10, 14)],
    ]
    # target 1 is below one per memory with contents; the cap forces the far gap.
    assert merge_to_target(runs, target=1, cap=2, near_gap=2) == [[(0, 101)], [], [(10, 14)]]
    assert merge_to_target(runs, target=10, cap=10) == runs


def test_snapshot_never_grows_data_segment_count():
    # 20 active segments far apart, none named by code: the snapshot needs no
    # empty placeholders and merges near contents down to at most 20.
    datas = "".join(f'(data (i32.const {i * 16}) "ab")' for i in range(20))
    body = "".join(f"(i32.store8 (i32.const {i * 16 + 8}) (i32.const 1))" for i in range(20))
    binary = wat(f'(module (memory 1) {datas} (func (export "wizer.initialize") {body}))')
    out = preinitialize_module(load_input(binary, WASM_2_0))
    assert len(out.module.datas) <= 20
    r = check_module(binary)
    assert r.snapshotted and not r.divergences


def test_named_data_segments_keep_their_index():
    # data.drop 1 names segment 1: segments 0 and 1 stay (emptied), 2 goes.
    binary = wat(
        '(module (memory 1) (data (i32.const 0) "a") (data "b") (data (i32.const 9) "c")'
        ' (func (export "wizer.initialize") (data.drop 1))'
        ' (func (export "f") (memory.init 1 (i32.const 0) (i32.const 0) (i32.const 0))))'
    )
    out = preinitialize_module(load_input(binary, WASM_2_0))
    assert [d.init for d in out.module.datas[:2]] == [b"", b""]
    assert len(out.module.datas) == 2 + out.data_segments
    r = check_module(binary)
    assert r.snapshotted and not r.divergences
