"""Checking an output path before a run writes to it."""

from __future__ import annotations

import os
from pathlib import Path


def unwritable(path: Path) -> str | None:
    """Why ``path`` can't be written as a file, or None if it can: checked
    before a run so that a bad path doesn't cost the results."""
    if path.is_dir():
        return "is a folder"
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        return f"no such folder: {parent}"
    if path.exists() and not os.access(path, os.W_OK):
        return "not writable"
    if not path.exists() and not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot create files in {parent}"
    return None
