"""``with_stack_room``: a loop's calls never cross a stack chunk's end, so
CPython 3.11 maps no chunk per call (``harness/stack_room.py``)."""

from __future__ import annotations

import resource
import sys
import threading

import pytest

from harness.stack_room import with_stack_room

_WHO = getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF)


def _in_a_new_thread(call):
    """``call()`` on a thread of its own, whose stack starts empty (pytest's
    own session runs in the room, ``pytest_plugin.pytest_cmdline_main``)."""
    out = []
    thread = threading.Thread(target=lambda: out.append(call()))
    thread.start()
    thread.join()
    return out[0]


def _worst_page_faults() -> int:
    """The most page faults 200 calls made, over call depths 0..400 (frames
    of ``at`` are small: some depth in that range is a chunk's end)."""

    def leaf() -> None:
        pass

    def at(depth: int) -> int:
        if depth:
            return at(depth - 1)
        before = resource.getrusage(_WHO).ru_minflt
        for _ in range(200):
            leaf()
        return resource.getrusage(_WHO).ru_minflt - before

    return max(at(depth) for depth in range(400))


def test_the_call_returns_its_result_and_raises_its_errors():
    assert with_stack_room(lambda: 42) == 42
    with pytest.raises(ZeroDivisionError):
        with_stack_room(lambda: 1 // 0)


@pytest.mark.skipif(
    sys.implementation.name != "cpython" or sys.version_info >= (3, 13),
    reason="CPython 3.13 and later keep a spare stack chunk",
)
def test_calls_at_a_chunk_end_map_no_chunk_in_the_room():
    assert _in_a_new_thread(_worst_page_faults) >= 150  # a chunk mapped per call
    assert _in_a_new_thread(lambda: with_stack_room(_worst_page_faults)) < 20
