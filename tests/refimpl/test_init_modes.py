"""refimpl's optimized init modes (``refimpl.init``) against the reference.

First the modes' planning decisions (when each applies, and why it falls
back), then counterexamples found by the generator, kept as permanent tests,
then bounded runs of the property: for every generated module and every
mode, ``compare_modes`` finds no divergence from ``segmented``, in the mvp
and 2.0 profiles (the long campaign: ``python -m harness.fuzz.init_campaign``).
"""

from __future__ import annotations

import mmap

import pytest

pytest.importorskip("hypothesis")
wasmtime = pytest.importorskip("wasmtime")

from hypothesis import HealthCheck, given, settings  # noqa: E402

import refimpl  # noqa: E402
from harness.fuzz import init_campaign  # noqa: E402
from harness.fuzz.instantiation import (  # noqa: E402
    Bytes,
    Data,
    Elem,
    Memory,
    ModuleDesc,
    Offset,
    Start,
    Table,
    check,
    modules,
)
from refimpl.exec.instantiate import SEGMENTED  # noqa: E402
from refimpl.init import MODES, CopyOnWrite, FuncTable, Paged, Static, make_mode  # noqa: E402
from refimpl.init.compare import compare_modes  # noqa: E402
from refimpl.init.functable import build as functable_plan  # noqa: E402
from refimpl.init.plan import Fallback  # noqa: E402
from refimpl.runtime.instances import GlobalInst, TableInst  # noqa: E402
from refimpl.runtime.memory import MemInst  # noqa: E402
from refimpl.runtime.observe import MemoryDigest  # noqa: E402
from refimpl.syntax.types import FUNCREF, I32, GlobalType, Limits, MemType, TableType  # noqa: E402

MVP = refimpl.Features.profile("mvp")
V2 = refimpl.Features.profile("2.0")
IMAGE_MODES = [Paged, Static, CopyOnWrite]


def load(wat: str, features=V2):
    return refimpl.load(wasmtime.wat2wasm(wat), features)


def env_resolver(**objects):
    return lambda imp: objects.get(imp.name)


def instantiate(wat, mode, features=V2, resolve=None):
    """Instantiate under ``mode``; the instance, or the error."""
    module = load(wat, features)
    try:
        return refimpl.instantiate(
            refimpl.Store(features), module, resolve or (lambda imp: None), init=mode
        )
    except refimpl.WasmError as exc:
        return exc


def all_modes_agree(wat, features=V2, resolve=None):
    module = load(wat, features)
    modes = [make_mode(name) for name in MODES]
    results, divergences = compare_modes(
        refimpl.Store(features), module, resolve or (lambda imp: None), modes
    )
    assert not divergences, "\n".join(map(str, divergences))
    return results


# -- planning decisions ---------------------------------------------------------------


@pytest.mark.parametrize("cls", IMAGE_MODES)
def test_image_modes_apply_to_constant_segments_in_a_defined_memory(cls):
    mode = cls()
    # An empty segment exactly at the end fits too.
    wat = '(module (memory 1) (data (i32.const 10) "abc") (data (i32.const 65536) ""))'
    inst = instantiate(wat, mode)
    assert bytes(inst.mems[0].data[9:14]) == b"\0abc\0"
    assert mode.stats.applied == 1 and not mode.stats.fallbacks


@pytest.mark.parametrize("cls", IMAGE_MODES)
@pytest.mark.parametrize(
    ("wat", "reason"),
    [
        (
            '(module (import "env" "m" (memory 1)) (data (i32.const 0) "a"))',
            "a data segment targets an imported memory",
        ),
        (
            '(module (import "env" "g" (global i32)) (memory 1) (data (global.get 0) "a"))',
            "a data segment's offset is not a constant",
        ),
        (
            '(module (memory 1) (data (i32.const 65535) "ab"))',
            "a data segment does not fit the memory's minimum size",
        ),
        (
            '(module (memory 1) (data (i32.const 0xFFFFFFFF) "a"))',
            "a data segment does not fit the memory's minimum size",
        ),
    ],
)
def test_image_modes_fall_back_and_say_why(cls, wat, reason):
    mode = cls()
    memory = MemInst(MemType(Limits(1)))
    memory.grow(1)  # an import larger than its declared minimum
    glob = GlobalInst(GlobalType(False, I32), 0)
    instantiate(wat, mode, resolve=env_resolver(m=memory, g=glob))
    assert mode.stats.applied == 0
    assert dict(mode.stats.fallbacks) == {reason: 1}


def test_static_refuses_a_sparse_image_unless_it_is_small():
    # 2 bytes at either end of 16 pages: an image of ~1 MiB for 4 bytes.
    wat = '(module (memory 16) (data (i32.const 0) "ab") (data (i32.const 1048574) "cd"))'
    dense_only = Static(page_size=4096, max_image_size_always_allowed=0)
    instantiate(wat, dense_only)
    (reason,) = dense_only.stats.fallbacks
    assert reason == "an image of 1048576 bytes for 4 bytes of data"
    small_allowed = Static(page_size=4096, max_image_size_always_allowed=2 << 20)
    instantiate(wat, small_allowed)
    assert small_allowed.stats.applied == 1
    # Dense data (here: 3 KiB in one 4 KiB page) makes an image anyway;
    # all-zero data makes none.
    dense = f'(module (memory 16) (data (i32.const 4096) "{"x" * 3072}"))'
    instantiate(dense, dense_only)
    assert dense_only.stats.applied == 1
    module = load('(module (memory 1) (data (i32.const 5) "\\00\\00"))')
    assert Static().build(module) == {}


def test_static_image_is_trimmed_and_page_aligned():
    module = load(
        '(module (memory 4) (data (i32.const 5000) "\\00\\00xy") (data (i32.const 9000) "z"))'
    )
    (image,) = Static(page_size=4096).build(module).values()
    assert image.offset == 4096 and len(image.data) == 8192  # pages 1 and 2
    assert image.data[5002 - 4096 : 5004 - 4096] == b"xy"


def test_functable_folds_the_leading_segments_and_leaves_the_rest():
    wat = """(module (import "env" "t" (table $imp 2 funcref))
      (import "env" "g" (global $g i32)) (table $t 8 funcref)
      (func $a) (func $b)
      (elem (table $t) (i32.const 0) func $a $b)      ;; folded
      (elem func $a)                                  ;; passive: folded (writes nothing)
      (elem declare func $b)                          ;; declarative: likewise
      (elem (table $t) (global.get $g) func $a)       ;; not constant: a leftover
      (elem (table $t) (i32.const 6) func $b))        ;; after a leftover: a leftover"""
    plan = functable_plan(load(wat))
    assert plan.segments == 3
    assert plan.tables == {1: {0: 0, 1: 1}}  # table index 1: the import comes first
    # Into an imported table, out of the minimum, or an element that is not
    # ref.func / ref.null: each ends the folded run.
    for first in [
        "(elem (table $imp) (i32.const 0) func $a)",
        "(elem (table $t) (i32.const 8) func $a)",
        "(elem (table $t) (i32.const 0) funcref (ref.func $a) (global.get $fg))",
    ]:
        module = load(f"""(module (import "env" "t" (table $imp 2 funcref))
          (import "env" "fg" (global $fg funcref)) (table $t 8 funcref) (func $a) {first}
          (elem (table $t) (i32.const 1) func $a))""")
        assert functable_plan(module) == Fallback(
            "no element segment writes a table the module defines"
        )


def test_static_keeps_a_last_byte_that_starts_a_page():
    wat = '(module (memory 1) (data (i32.const 1) "a") (data (i32.const 4096) "b"))'
    (image,) = Static(page_size=4096).build(load(wat)).values()
    assert (image.offset, len(image.data)) == (0, 8192)
    all_modes_agree(wat)


def test_static_maps_its_image_into_a_large_memory():
    # Above the 16 MiB eager limit the image is mapped copy-on-write rather
    # than copied: instantiating is O(1) in its size.
    wat = """(module (memory 257) (data (i32.const 16777000) "abc")
      (data (i32.const 100) "xyz")
      (func (export "grow") (result i32) (memory.grow (i32.const 1))))"""
    module = load(wat)
    mode = Static(max_image_size_always_allowed=32 << 20)  # a sparse image, allowed
    (image,) = mode.build(module).values()
    assert image.file is not None and image.data == b""
    a = refimpl.instantiate(refimpl.Store(V2), module, {}, init=mode)
    b = refimpl.instantiate(refimpl.Store(V2), module, {}, init=mode)
    assert isinstance(a.mems[0].data, mmap.mmap)
    a.mems[0].data[100] = 0x41  # private to a
    assert bytes(b.mems[0].data[100:103]) == b"xyz"
    assert bytes(b.mems[0].data[16777000:16777003]) == b"abc"
    store = refimpl.Store(V2)
    assert store.invoke(a.exports["grow"], []) == [257]
    assert len(a.mems[0].data) == 258 * 65536 and a.mems[0].data[100] == 0x41
    assert mode.stats.applied == 2
    all_modes_agree(wat)


def test_folded_segments_are_dropped_as_instantiation_drops_them():
    # Active and declarative segments are dropped by instantiation, passive
    # ones are not: table.init of 0 elements from a segment's end traps
    # exactly when it was dropped.
    probes = {
        "passive": "(table.init $t 1 (i32.const 0) (i32.const 1) (i32.const 0))",
        "declarative": "(table.init $t 2 (i32.const 0) (i32.const 1) (i32.const 0))",
        "active": "(table.init $t 0 (i32.const 0) (i32.const 2) (i32.const 0))",
    }
    for kind, probe in probes.items():
        wat = f"""(module (table $t 4 funcref) (func $a) (func $b)
          (elem (table $t) (i32.const 0) func $a $b) (elem func $a) (elem declare func $b)
          (func $start {probe}) (start $start))"""
        mode = FuncTable()
        module = load(wat)
        results, divergences = compare_modes(
            refimpl.Store(V2), module, lambda imp: None, [SEGMENTED, mode]
        )
        assert mode.stats.applied == 1 and functable_plan(module).segments == 3
        assert not divergences, divergences
        expected = ("ok",) if kind == "passive" else ("Trap", "out of bounds table access")
        assert results[0].outcome == expected
    # Image modes drop the active data segments they stand for.
    for cls in IMAGE_MODES:
        wat = """(module (memory 1) (data $d (i32.const 0) "ab")
          (func $start (memory.init $d (i32.const 0) (i32.const 2) (i32.const 0)))
          (start $start))"""
        mode = cls()
        results, divergences = compare_modes(
            refimpl.Store(V2), load(wat), lambda imp: None, [SEGMENTED, mode]
        )
        assert mode.stats.applied == 1 and not divergences, divergences
        assert results[1].outcome == ("Trap", "out of bounds memory access")


def test_functable_falls_back_without_a_defined_table():
    mode = FuncTable()
    table = TableInst(TableType(Limits(2), FUNCREF))
    instantiate(
        '(module (import "env" "t" (table 2 funcref)) (func $f) (elem (i32.const 0) $f))',
        mode,
        resolve=env_resolver(t=table),
    )
    assert mode.stats.applied == 0
    assert list(mode.stats.fallbacks) == ["no element segment writes a table the module defines"]


def test_cow_is_backed_by_a_private_file_mapping():
    module = load('(module (memory 2) (data (i32.const 65530) "0123456789"))')
    mode = CopyOnWrite()
    a = refimpl.instantiate(refimpl.Store(V2), module, {}, init=mode)
    b = refimpl.instantiate(refimpl.Store(V2), module, {}, init=mode)
    a.mems[0].data[65530] = 0x41  # a copy-on-write page: b and the image keep theirs
    assert bytes(b.mems[0].data[65530:65540]) == b"0123456789"
    c = refimpl.instantiate(refimpl.Store(V2), module, {}, init=mode)
    assert bytes(c.mems[0].data[65530:65540]) == b"0123456789"
    assert a.mems[0].grow(1) == 2 and a.mems[0].data[65530] == 0x41  # grows by copying
    assert mode.stats.applied == 3


def test_compare_keeps_large_memories_as_digests():
    # A module may grow its memory to GiBs (smith made one that grew to
    # 2.3 GiB in its start function): compare_modes used to copy every mode's
    # memory whole, and a campaign ran out of memory.
    wat = """(module (memory 2) (data (i32.const 7) "x")
      (func $start (drop (memory.grow (i32.const 300)))
        (i32.store8 (i32.const 20000000) (i32.const 1)))
      (start $start))"""
    results = all_modes_agree(wat)
    state = results[0].state["new memory 0"]
    assert state.size == 302 * 65536 and state.data is None
    small = MemoryDigest.of(bytearray(b"\0\0a"))
    assert small.data == b"\0\0a" and small.first_difference(MemoryDigest.of(b"\0\0b")) == 2
    assert MemoryDigest.of(bytes(3 << 20)) != MemoryDigest.of(bytes(2 << 20))


# -- counterexamples, kept ----------------------------------------------------------------


def test_functable_writes_nothing_when_a_wasm1_segment_does_not_fit():
    # Found by the generator (shrunk): in Wasm 1.0 every segment is checked
    # before anything is written, so a link error leaves the new table
    # empty.  functable wrote its folded entries before checking the
    # leftovers (here: an empty segment at a global offset past the end).
    wat = """(module (import "env" "o0" (global $o0 i32)) (table $t0 1 funcref)
      (func $f0) (elem (i32.const 0) $f0) (elem (global.get $o0)))"""
    glob = GlobalInst(GlobalType(False, I32), 2)
    results = all_modes_agree(wat, MVP, env_resolver(o0=glob))
    assert results[0].outcome == ("LinkError", "elements segment does not fit")
    assert results[0].state["new table 0"] == (None,)
    # The same for a data segment that does not fit.
    all_modes_agree(
        """(module (table 2 funcref) (memory 1) (func $f)
          (elem (i32.const 0) $f) (data (i32.const 65536) "x"))""",
        MVP,
    )


def test_functable_counterexample_as_generated():
    desc = ModuleDesc(
        profile="mvp",
        tables=(Table(min=1),),
        funcs=1,
        elems=(
            Elem(mode="active", offset=Offset(0), items=(("func", 0),)),
            Elem(mode="active", offset=Offset(2, via_global=True)),
        ),
    )
    for checked in check(desc, init_campaign.make_lanes()):
        assert not checked.divergences, checked.divergences


def test_edges_agree_in_both_generations():
    """Hand-picked edges: at the end, one past it, 2^32 - 1, overlapping,
    grown imports, a start function that writes and traps."""
    desc = ModuleDesc(
        profile="mvp",
        memories=(Memory(min=1, max=4, imported=True, grown=1, fill=3),),
        tables=(Table(min=2, imported=True, grown=2, fill=True),),
        funcs=2,
        host_func=True,
        datas=(
            Data("active", 0, Offset(65536 - 3), Bytes(3, "fill", 7)),  # ends at the declared min
            Data("active", 0, Offset(2 * 65536 - 2), Bytes(2)),  # ends at the current size
            Data("active", 0, Offset(100, via_global=True), Bytes(300, "sparse", 1)),
            Data("active", 0, Offset(200), Bytes(10, "zeros")),  # overlapping, zeros
        ),
        elems=(Elem("active", 0, Offset(2), (("func", 0), ("func", 2))),),  # ends at the end
        start=Start((("store", 0, 5, 9), ("call", 0, 2), ("grow", 0, 1)), trap=True),
    )
    for checked in check(desc, init_campaign.make_lanes()):
        assert not checked.divergences, checked.divergences
        assert checked.results[0].outcome == ("Trap", "unreachable")
    past = Data("active", 0, Offset(0xFFFFFFFF), Bytes(1))
    for checked in check(
        ModuleDesc(profile="mvp", memories=(Memory(1),), datas=(past,)),
        init_campaign.make_lanes(),
    ):
        assert not checked.divergences
        assert checked.results[0].outcome[0] in ("LinkError", "Trap")


# -- the property, bounded ------------------------------------------------------------------

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


def _no_divergence(desc):
    lanes = init_campaign.make_lanes()
    for checked in check(desc, lanes, between=lambda: init_campaign.recycle(lanes)):
        assert not checked.divergences, "\n".join(
            f"[{checked.profile}, round {checked.round}] {d}" for d in checked.divergences
        )


@PROPERTY
@given(modules("mvp"))
def test_generated_mvp_modules_agree_under_mvp_and_2_0(desc):
    _no_divergence(desc)


@PROPERTY
@given(modules("2.0"))
def test_generated_2_0_modules_agree(desc):
    _no_divergence(desc)


@settings(PROPERTY, max_examples=25)
@given(modules("multi"))
def test_generated_multi_memory_modules_agree(desc):
    _no_divergence(desc)


@pytest.mark.parametrize("profile", ["mvp", "2.0"])
def test_smith_modules_agree(profile):
    run = init_campaign.smith(profile, modules=8, seed_=3)
    assert run.modules >= 6
    assert not any(lane.divergences for lane in run.lanes.values()), run.report()


def test_campaign_smoke(capsys):
    assert init_campaign.main(["--modules", "15", "--profile", "mvp", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "generated mvp, run as mvp: 15 modules" in out
    assert "generated mvp, run as 2.0: 15 modules" in out
    assert "functable" in out and "slots reused" in out


def test_reference_lane_is_segmented():
    assert init_campaign.make_lanes()[0].mode is SEGMENTED


def test_static_image_of_far_apart_segments_is_built_sparsely():
    """A byte at 0 and one at 2^31 in a 2 GiB memory: static falls back
    (the image would be 2 GiB for 2 bytes) without allocating that image."""
    import resource

    from refimpl.init import Static

    module = _sparse_module()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert "an image of" in str(Static().build(module))
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 256 * 1024  # KiB


def _sparse_module():
    from refimpl.text import wat_to_binary

    wat = '(module (memory 32769) (data (i32.const 0) "a") (data (i32.const 0x80000000) "x"))'
    features = refimpl.Features.parse("2.0")
    return refimpl.load(wat_to_binary(wat, features), features)
