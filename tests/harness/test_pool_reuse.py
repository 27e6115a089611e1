"""The pool-slot-reuse lane: refimpl's pool released between steps, compared
with fresh instantiation."""

from __future__ import annotations

from harness.fuzz.init_campaign import RecyclingPool
from harness.fuzz.pool_reuse import campaign, sequence_divergences
from harness.fuzz.sequences import SCENARIOS
from refimpl.runtime.memory import MemInst


class LeakyPool(RecyclingPool):
    """A pool whose slot reset forgets the bytes (CVE-2022-39393's shape)."""

    def release_memory(self, mem: MemInst) -> None:
        if isinstance(mem.data, bytearray):
            self.free_buffers.append(mem.data)
        mem.data = bytearray()


def test_scenarios_agree_and_reuse_slots():
    figures, failures = campaign(20, seed=1, slots=1)
    assert failures == []
    assert figures["steps compared"] > 20
    assert figures["slots reused"] > 0


def test_a_slot_that_keeps_its_bytes_is_found():
    steps = SCENARIOS["CVE-2022-39393 image kept on slot reuse"]
    compared, found = sequence_divergences(steps, LeakyPool(1))
    assert compared == 2
    assert found and found[0].startswith("step 1:")
    assert sequence_divergences(steps, RecyclingPool(1)) == (2, [])
