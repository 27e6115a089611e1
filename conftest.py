"""Root conftest: the spec-script plugin, for running from a source checkout.

An installed copy registers the same plugin through its ``pytest11`` entry
point; ``-p`` here is skipped then, so it is never registered twice.
"""

import importlib.metadata


def _installed_entry_point() -> bool:
    eps = importlib.metadata.entry_points(group="pytest11")
    return any(ep.value == "harness.pytest_plugin" for ep in eps)


pytest_plugins = [] if _installed_entry_point() else ["harness.pytest_plugin"]
