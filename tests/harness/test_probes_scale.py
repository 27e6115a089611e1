"""Probes on modules with many functions: one accessor export instead of one
export per function, exports looked up by name, every function identified."""

import pytest

from harness.engines import create_engine
from harness.engines.base import SessionOptions
from harness.probes.rewrite import FUNC_ACCESSOR, PROBE_PREFIX, probe_binary
from harness.runner import ScriptRunner
from harness.script import load_script

N = 3000


def many_functions() -> str:
    funcs = "".join(f"(func $f{i} (result i32) (i32.const {i}))" for i in range(N))
    names = " ".join(f"$f{i}" for i in range(N - 1, -1, -2))  # every other one, reversed
    return f"""(module $M (table (export "t") {N} funcref) {funcs}
      (elem (i32.const 7) func {names})
      (memory 1) (data (i32.const 3) "probe") (global (export "g") i64 (i64.const -2))
      (func (export "call") (param i32) (result i32) (call_indirect (result i32) (local.get 0))))
    (assert_return (invoke "call" (i32.const 7)) (i32.const {N - 1}))
    """


def test_the_rewrite_adds_a_handful_of_exports_whatever_the_function_count(tmp_path):
    path = tmp_path / "m.wast"
    path.write_text(many_functions())
    script = load_script(path, profile="2.0")
    binary = script.commands[0].module.binary
    _, shape = probe_binary(binary)
    added = [n for n in shape.exports if n.startswith(PROBE_PREFIX)]
    # the table, the memory, the global and the accessor
    assert sorted(added) == sorted(
        [f"{PROBE_PREFIX}t0", f"{PROBE_PREFIX}m0", f"{PROBE_PREFIX}g0", FUNC_ACCESSOR]
    )
    # the functions in the segment, and the exported "call"
    assert len(shape.refs) == N // 2 + 1


@pytest.mark.parametrize("lane", ["wasmtime", "wasmtime[memory_init_cow=false]"])
def test_wasmtime_identifies_every_function_of_a_large_table(tmp_path, lane):
    path = tmp_path / "m.wast"
    path.write_text(many_functions())
    script = load_script(path, profile="2.0")
    engines = [create_engine("refimpl"), create_engine(lane, isolate=False)]
    runner = ScriptRunner(script, engines, SessionOptions(profile="2.0"), probes=True)
    results = list(runner.run_all())
    figures = results[0].figures
    assert [r.outcome.kind for r in results[-1].results] == ["ok", "ok"]
    assert not [d for r in results for d in r.divergences]
    assert figures.table_entries_compared == N
    assert figures.table_entries_unidentified == 0  # wasmtime named every function
    assert figures.globals_compared == 1 and figures.memories_compared == 1


def test_exports_by_name_are_the_exports_wasmtime_py_lists(wat):
    import wasmtime as wt

    from harness.engines.wasmtime_engine import _Exports

    binary = wat(
        """(module (func (export "f")) (memory (export "m") 1) (table (export "t") 1 funcref)
           (global (export "g") i32 (i32.const 4)))"""
    )
    engine = wt.Engine()
    store = wt.Store(engine)
    instance = wt.Instance(store, wt.Module(engine, binary), [])
    listed = instance.exports(store)
    found = _Exports(store, instance)
    for name in ("f", "m", "t", "g"):
        assert type(found.get(name)) is type(listed[name])
    assert found.get("g").value(store) == 4
    assert found.get("missing") is None
