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


def started(collection=COLLECTION, durations=None):
    """A scheduler with two nodes that collected ``collection``, scheduled."""
    sched = ScriptScheduling(Config(), durations=durations)
    a, b = Node(), Node()
    for node in (a, b):
        sched.add_node(node)
        sched.add_node_collection(node, collection)
    sched.schedule()
    return sched, a, b


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
    sched, a, _ = started()
    sched.mark_test_complete(a, 0)
    assert sched.remove_node(a) == COLLECTION[1]  # the item it crashed on
    assert sched.has_pending


def test_measured_units_go_longest_first_after_the_unmeasured():
    collection = [f"{name}.wast::line_1" for name in ("a", "b", "c", "d")]
    durations = {"a.wast": 1.0, "b.wast": 9.0, "d.wast": 3.0}  # c never measured
    _, a, b = started(collection, durations)
    sent = a.sent + b.sent  # a takes units until it has 3 items to go, b the rest
    assert [collection[i].split(".")[0] for i in sent] == ["c", "b", "d", "a"]


def test_durations_are_measured_per_unit_and_kept_across_runs(tmp_path):
    from harness.xdist_scheduling import read_durations, write_durations

    sched, a, b = started()
    for index in range(8):
        sched.mark_test_complete(a, index, duration=0.5)
    sched.mark_test_complete(b, 8, duration=0.25)
    assert sched.measured == {"long.wast": [4.0, 8], "short.wast": [0.25, 1]}
    path = tmp_path / "durations.json"
    write_durations(path, sched.measured)
    assert read_durations(path) == {"long.wast": 4.0, "short.wast": 0.25}
    write_durations(path, {"long.wast": [0.5, 1]})  # a -k run measured part of it
    assert read_durations(path)["long.wast"] == 4.0
    path.write_text("not json")
    assert read_durations(path) == {}
