"""The one SIGALRM deadline (harness/watchdog.py) that in-process engines,
the mutation campaigns and the snapshot checks share."""

import time

import pytest

from harness.watchdog import DeadlineExceeded, deadline


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_a_block_past_its_deadline_is_interrupted():
    with pytest.raises(DeadlineExceeded), deadline(0.05):
        _spin(5)


def test_an_inner_deadline_re_arms_the_outer_one():
    start = time.monotonic()
    with pytest.raises(DeadlineExceeded), deadline(0.3):
        with deadline(0.05):
            pass  # ends well before its own limit
        _spin(5)  # the outer limit must still fire
    assert time.monotonic() - start < 2


def test_no_deadline_means_none():
    with deadline(None):
        _spin(0.01)
