"""wasmtime[pooling=N]: wasmtime's pooling allocator, whose slots a lane
really reuses once a store is dropped (CVE-2022-39393's ground)."""

import pytest

wt = pytest.importorskip("wasmtime")

from harness.engines import engine_names  # noqa: E402
from harness.engines.wasmtime_config import ConfigError, checked_settings  # noqa: E402
from harness.engines.wasmtime_engine import new_engine  # noqa: E402
from harness.fuzz.sequences import SCENARIOS, campaign, per_step  # noqa: E402

SECRET = '(module (memory (export "m") 1) (data (i32.const 0) "secret"))'
EMPTY = '(module (memory (export "m") 1))'


def test_pooling_is_a_lane_setting_checked_before_a_run():
    assert engine_names(["wasmtime[pooling=2]"]) == ["wasmtime[pooling=2]"]
    assert per_step("wasmtime[pooling=2]") and not per_step("wasmtime[memory_init_cow=false]")
    for bad in ("pooling=0", "pooling=yes"):
        with pytest.raises(ConfigError):
            checked_settings(bad)


def test_a_slot_is_reused_once_its_store_is_dropped_and_comes_back_zeroed():
    # pooling=1: one slot for the module under test, one for a spectest
    # memory, one for a GC heap: three stores with a memory each fill it.
    engine = new_engine(None, checked_settings("pooling=1"))
    secret, empty = wt.Module(engine, SECRET), wt.Module(engine, EMPTY)
    stores = [wt.Store(engine) for _ in range(4)]
    for store in stores[:3]:
        wt.Instance(store, secret, [])
    with pytest.raises(wt.WasmtimeError, match="maximum concurrent limit"):
        wt.Instance(stores[3], empty, [])
    for store in stores[:3]:
        store.close()
    instance = wt.Instance(stores[3], empty, [])  # in a slot "secret" used
    assert instance.exports(stores[3])["m"].read(stores[3], 0, 6) == bytearray(6)


def test_the_scenarios_run_one_step_per_store_on_a_pool_of_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # failures would be written here
    # (Generated modules define up to two memories: campaigns use pooling=2.)
    result = campaign(0, seed=4, lanes=["wasmtime[pooling=1]"])
    assert result["failures"] == []
    lane = result["per-step lanes"]
    assert lane["lanes"] == ["refimpl", "wasmtime[pooling=1]"]
    assert lane["sequences"] == len(SCENARIOS)
    # Each step ran in a store of its own: more steps than the pool has
    # slots, so slots were reused (a store kept alive would have failed
    # the next step with "maximum concurrent limit").
    assert lane["steps"] > 3
