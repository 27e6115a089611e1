"""The script scheduler, driven as xdist's controller drives it."""

from harness.xdist_scheduling import ScriptScheduling, work_unit_of


class Config:
    def getvalue(self, name):
        assert name == "tx"
        return ["2*popen"]


class Node:
    """A worker controller as the scheduler sees it."""

    def __init__(self):
        self.sent: list[int] = []
        self.shutting_down = False

    def send_runtest_some(self, indexes):
        self.sent += indexes

    def shutdown(self):
        self.shutting_down = True


COLLECTION = [f"long.wast::line_{n}" for n in range(1, 9)] + ["short.wast::line_1"]


def test_work_units_are_scripts_or_modules():
    assert work_unit_of("spectests/official.testsuite::wasm-2.0/i32.wast::line_5") == (
        "spectests/official.testsuite::wasm-2.0/i32.wast"
    )
    assert work_unit_of("tests/test_x.py::TestA::test_b") == "tests/test_x.py"


def test_a_script_goes_to_one_node_and_the_run_ends_when_a_node_finishes_first():
    sched = ScriptScheduling(Config())
    a, b = Node(), Node()
    for node in (a, b):
        sched.add_node(node)
        sched.add_node_collection(node, COLLECTION)
    assert sched.collection_is_completed
    sched.schedule()
    assert a.sent == list(range(8)) and b.sent == [8]  # one script each
    assert a.shutting_down and b.shutting_down  # nothing left to hand out
    sched.mark_test_complete(b, 8)
    assert sched.remove_node(b) is None  # b is done, and leaves
    assert not sched.tests_finished
    for index in range(8):
        sched.mark_test_complete(a, index)
    assert sched.tests_finished and not sched.has_pending


def test_a_crashed_nodes_items_go_back_to_the_queue():
    sched = ScriptScheduling(Config())
    a, b = Node(), Node()
    for node in (a, b):
        sched.add_node(node)
        sched.add_node_collection(node, COLLECTION)
    sched.schedule()
    sched.mark_test_complete(a, 0)
    assert sched.remove_node(a) == COLLECTION[1]  # the item it crashed on
    assert sched.has_pending
