"""State probes find what no assertion looks at: planted differences in
refimpl's instantiation are reported with file:line and what differs."""

import pytest

import refimpl.exec.bulk as bulk
from harness.differential import Figures
from harness.engines import create_engine
from harness.engines.base import SessionOptions
from harness.engines.refimpl_engine import RefimplEngine
from harness.known_differences import KnownDifferences
from harness.outcomes import LinkFailed
from harness.probes.compare import _entries_agree, compare_instance
from harness.probes.state import GlobalState, InstanceState, MemoryState, TableState
from harness.report import differential_of
from harness.runner import ScriptRunner
from harness.script import load_script

NONE = KnownDifferences()

# Nothing asserts on the memory or the table after the instantiations:
# only the probes can see the segments' writes.
SCRIPT_2_0 = """(module $Mm
  (memory (export "mem") 1)
  (table (export "tab") 4 funcref)
  (global (export "g") (mut i32) (i32.const 7))
  (global $f (mut f32) (f32.const nan:0x200000))
  (func $h (export "h") (result i32) (i32.const 1))
  (func $k (export "k") (result i32) (i32.const 2))
  (elem (i32.const 0) $h $k)
)
(register "Mm" $Mm)
(module $User
  (import "Mm" "mem" (memory 1))
  (import "Mm" "tab" (table 4 funcref))
  (import "Mm" "h" (func $ih (result i32)))
  (func $own (result i32) (i32.const 3))
  (elem (i32.const 2) $ih $own)
  (data (i32.const 16) "abc")
  (data (i32.const 20) "xyz")
)
(assert_trap
  (module
    (import "Mm" "mem" (memory 1))
    (data (i32.const 100) "first")
    (data (i32.const 65535) "too long")
  )
  "out of bounds memory access"
)
(assert_return (invoke $Mm "h") (i32.const 1))
"""


def run(tmp_path, text, engines, profile="2.0", probes=None, name="probe.wast"):
    path = tmp_path / name
    path.write_text(text)
    script = load_script(path, profile=profile)
    options = SessionOptions(profile=profile)
    runner = ScriptRunner(script, engines, options, probes=probes, known=NONE)
    return path, list(runner.run_all())


def total(results) -> Figures:
    figures = Figures()
    for r in results:
        figures.add(r.figures)
    return figures


def test_refimpl_and_wasmtime_agree_on_the_whole_state(tmp_path):
    _, results = run(tmp_path, SCRIPT_2_0, [create_engine("refimpl"), create_engine("wasmtime")])
    assert all(not r.divergences for r in results)
    assert [r.status for r in results] == ["pass"] * 5
    f = total(results)
    # $Mm; $User (its index spaces hold $Mm's memory and table); the failed
    # instantiation's provider $Mm.
    assert f.instantiations_probed == 3
    assert f.instances_compared == 3
    assert f.memories_compared == 3
    assert f.memory_bytes_compared == 3 * 65536
    assert f.globals_compared == 2 * 2
    # Functions are identified through imports, wherever they were written.
    assert f.table_entries_compared == 3 * 4
    assert f.table_entries_unidentified == 0


def test_probes_catch_a_skipped_data_segment(tmp_path, monkeypatch):
    """A planted fault in refimpl: the data segment "xyz" is not written."""
    original = bulk.memory_init

    def skip_xyz(mem, data, d, s, n):
        if bytes(data.data[:3]) == b"xyz":
            return
        original(mem, data, d, s, n)

    monkeypatch.setattr(bulk, "memory_init", skip_xyz)
    path, results = run(tmp_path, SCRIPT_2_0, [create_engine("refimpl"), create_engine("wasmtime")])
    user = next(r for r in results if r.line == 11)
    assert user.status == "fail"  # no assertion failed: only the probe saw it
    assert all(r.verdict.detail.startswith("engines disagree: ") for r in user.results)
    (d,) = user.divergences
    assert d.engines == ("refimpl", "wasmtime")
    assert d.aspect == "memory"
    assert d.where.startswith("m2 ($User") and d.where.endswith("memory 0")
    assert "first differing byte at offset 20 (0x14)" in d.detail
    assert "refimpl [61 62 63 00 00 00 00 00 00 00 00 00 00 00 00 00]" in d.detail
    assert "wasmtime [61 62 63 00 78 79 7a 00 00 00 00 00 00 00 00 00]" in d.detail
    assert "bytes 0x10..0x1f" in d.detail
    report = differential_of(user, str(path))
    (record,) = report.divergences
    assert str(record).startswith(f"{path}:11: refimpl vs wasmtime: m2 ($User")


def test_probes_catch_a_wrong_table_entry(tmp_path, monkeypatch):
    """A planted fault: segments are written in reverse into tables."""
    original = bulk.table_init

    def reversed_init(table, elem, d, s, n):
        original(table, elem, d, s, n)
        table.elements[d : d + n] = list(reversed(table.elements[d : d + n]))

    monkeypatch.setattr(bulk, "table_init", reversed_init)
    _, results = run(tmp_path, SCRIPT_2_0, [create_engine("refimpl"), create_engine("wasmtime")])
    first = results[0]
    (d,) = first.divergences
    assert d.aspect == "table" and d.where.endswith("table 0")
    # Function identities are compared, not merely non-null entries.
    assert d.detail == "slot 0: refimpl func m1[1], wasmtime func m1[0] (2 slots differ)"
    user = next(r for r in results if r.line == 11)
    (d,) = user.divergences
    assert d.where.startswith("m2 ($User") and d.detail.endswith("(4 slots differ)")


MVP_SCRIPT = """(module $Mm (memory (export "mem") 1) (table (export "tab") 2 funcref))
(register "Mm" $Mm)
(assert_unlinkable
  (module
    (import "Mm" "mem" (memory 1))
    (data (i32.const 8) "written?")
    (data (i32.const 65536) "x")
  )
  "data segment does not fit"
)
"""


class InOrderRefimpl(RefimplEngine):
    """refimpl with a planted Wasm 1.0 fault: when a data segment does not
    fit, the segments before it have been written to the imported memory
    (as if each were written before the next was checked).  Planted through
    refimpl's public API, from outside its instantiation code."""

    def __init__(self):
        super().__init__("interpreter")
        self.name = "refimpl-in-order"

    def open(self, options):
        session = super().open(options)
        instantiate = session.instantiate

        def faulty(module, handle):
            outcome = instantiate(module, handle)
            if isinstance(outcome, LinkFailed) and "data segment does not fit" in outcome.message:
                write_fitting_prefix(session, module.binary)
            return outcome

        session.instantiate = faulty
        return session


def write_fitting_prefix(session, binary: bytes) -> None:
    import refimpl
    from refimpl.exec.constants import evaluate
    from refimpl.syntax.types import ExternKind

    module = refimpl.load(binary, session.features)
    mems = [
        session.registry[i.module].exports[i.name]
        for i in module.imports
        if i.kind is ExternKind.MEMORY
    ]
    for data in module.datas:
        offset = evaluate(data.mode.offset, [], [])
        mem = mems[data.mode.index]
        if offset + len(data.init) > len(mem.data):
            return
        mem.data[offset : offset + len(data.init)] = data.init


def test_probes_catch_a_wasm_1_segment_written_before_the_check(tmp_path):
    engines = [create_engine("refimpl"), InOrderRefimpl()]
    path, results = run(tmp_path, MVP_SCRIPT, engines, profile="mvp", name="mvp.wast")
    unlinkable = results[2]
    # Both fail the instantiation as expected: the assertion passes on both,
    # and fails on both only because ...
    assert all(r.verdict.detail.startswith("engines disagree: ") for r in unlinkable.results)
    # ... but the imported memory differs afterwards.
    (d,) = unlinkable.divergences
    assert d.engines == ("refimpl", "refimpl-in-order")
    assert d.where == "m1 ($Mm, instantiated at line 1) memory 0"
    assert "first differing byte at offset 8 (0x8)" in d.detail
    assert "refimpl-in-order [00 00 00 00 00 00 00 00 77 72 69 74 74 65 6e 3f]" in d.detail
    record = differential_of(unlinkable, str(path)).divergences[0]
    assert unlinkable.line == 4  # wast2json's line for a module assertion: the module's
    assert str(record).startswith(f"{path}:4: refimpl vs refimpl-in-order: m1 ($Mm")
    # Without probes the run sees nothing.
    _, quiet = run(tmp_path, MVP_SCRIPT, engines, profile="mvp", probes=False, name="mvp2.wast")
    assert all(r.status == "pass" for r in quiet)


def test_probing_is_automatic_with_two_probe_capable_engines(tmp_path):
    path = tmp_path / "x.wast"
    path.write_text(SCRIPT_2_0)
    script = load_script(path, profile="2.0")
    options = SessionOptions(profile="2.0")
    assert not ScriptRunner(script, [create_engine("refimpl")], options).probing
    two = [create_engine("refimpl"), create_engine("refimpl-interpreter")]
    assert ScriptRunner(script, two, options).probing
    assert not ScriptRunner(script, two, options, probes=False).probing


def test_compare_reports_globals_tables_and_sizes():
    a = InstanceState(
        memories={"0": MemoryState(65536, "aa")},
        tables={"0": TableState(2, (None, ("func", "m1", 0)))},
        globals={
            "0": GlobalState("i32", 1),
            "1": GlobalState("funcref", ("func", None, None)),
            "2": GlobalState("f64", 0),
        },
        unreadable={"global 2": "can't"},
    )
    b = InstanceState(
        memories={"0": MemoryState(65536, "aa")},
        tables={"0": TableState(3, (None, ("func", "m1", 0), None))},
        globals={
            "0": GlobalState("i32", 2),
            "1": GlobalState("funcref", ("func", "m1", 0)),
            "2": GlobalState("f64", 5),
        },
    )
    figures = Figures()
    out = compare_instance("m1", "m1", "a", None, a, "b", None, b, figures)
    assert [(d.aspect, d.where, d.detail) for d in out] == [
        ("table", "m1 table 0", "size a 2, b 3"),
        ("global", "m1 global 0 (i32)", "a i32.const 1, b i32.const 2"),
    ]
    assert figures.items_unreadable == 1  # global 2: not compared
    assert figures.extra["global_refs_unidentified"] == 1
    assert figures.memory_bytes_compared == 65536


@pytest.mark.parametrize("isolate", [True, False])
def test_memory_bytes_travel_only_on_mismatch(tmp_path, monkeypatch, isolate):
    """Probes send digests; chunk digests and bytes only when they differ."""
    calls = []
    from harness.engines.refimpl_engine import RefimplSession

    original = RefimplSession.read_memory

    def counting(self, *args):
        calls.append(args)
        return original(self, *args)

    monkeypatch.setattr(RefimplSession, "read_memory", counting)
    engines = [create_engine("refimpl"), create_engine("wasmtime", isolate=isolate)]
    run(tmp_path, SCRIPT_2_0, engines)
    assert calls == []


GC_SCRIPT = """(module
  (type $p (struct (field i32) (field (ref null $p))))
  (global (export "s") (ref $p) (struct.new $p (i32.const 4) (ref.null $p)))
  (global (export "i") (mut i31ref) (ref.i31 (i32.const 9)))
  (global (export "n") anyref (ref.null any))
  (global (export "h") (mut anyref) (ref.null any))
)
"""


def test_gc_globals_are_compared_by_kind_with_wasmtime(tmp_path):
    _, results = run(
        tmp_path, GC_SCRIPT, [create_engine("refimpl"), create_engine("wasmtime")], "3.0"
    )
    (first,) = results
    assert not first.divergences and first.figures.items_unreadable == 0
    assert first.figures.globals_compared == 4


def test_gc_entries_agree_by_contents_or_by_kind_only():
    struct4, struct5 = ("struct", "struct{4, null}"), ("struct", "struct{5, null}")
    assert _entries_agree(struct4, struct4) == (True, False)
    assert _entries_agree(struct4, struct5) == (False, False)
    assert _entries_agree(struct4, ("struct",)) == (True, True)
    assert _entries_agree(("i31",), struct4) == (False, False)
    assert _entries_agree(("any",), ("i31", 3)) == (True, True)
    assert _entries_agree(("any",), ("extern", 3)) == (False, False)


def test_a_probe_that_returns_no_state_is_counted_and_reported(tmp_path, monkeypatch):
    """An engine that says it can probe but answers without a state leaves
    that instance uncompared: the run says so instead of looking green."""
    from harness.engines.refimpl_engine import RefimplSession
    from harness.outcomes import Unsupported
    from harness.report import format_differential

    original = RefimplSession.probe
    calls = []

    def failing_once(self, handle):
        calls.append(handle)
        return Unsupported("cannot read") if len(calls) == 1 else original(self, handle)

    monkeypatch.setattr(RefimplSession, "probe", failing_once)
    path, results = run(tmp_path, SCRIPT_2_0, [create_engine("refimpl"), create_engine("wasmtime")])
    figures = total(results)
    assert figures.probes_failed == 1
    diff = differential_of(results[0], str(path))
    for r in results[1:]:
        diff.add_result(r, str(path))
    report = format_differential(diff)
    assert "1 instance states an engine could not report" in report
