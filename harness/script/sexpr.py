"""Just enough of the .wast lexical grammar to split a script into its
top-level commands (with their lines); used when a converter rejects a whole
file, so the rest of it still runs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TopLevelForm:
    line: int  # 1-based line of the opening parenthesis
    start: int  # offset of "(" in the script text
    end: int  # offset just past the matching ")"


class SplitError(ValueError):
    pass


def split_top_level(text: str) -> list[TopLevelForm]:
    """The parenthesised top-level forms of ``text``, skipping comments and
    honouring strings; raises SplitError on unbalanced input and on text
    outside any form."""
    forms: list[TopLevelForm] = []
    depth = 0
    line = 1
    i, n = 0, len(text)
    start = start_line = 0
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif c == ";" and text.startswith(";;", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif c == "(" and text.startswith("(;", i):
            i, line = _skip_block_comment(text, i, line)
            continue
        elif c == '"':
            if depth == 0:
                raise SplitError(f"line {line}: a string outside any command")
            i, line = _skip_string(text, i, line)
            continue
        elif c == "(":
            if depth == 0:
                start, start_line = i, line
            depth += 1
        elif c == ")":
            depth -= 1
            if depth < 0:
                raise SplitError(f"line {line}: unbalanced ')'")
            if depth == 0:
                forms.append(TopLevelForm(start_line, start, i + 1))
        elif depth == 0 and not c.isspace():
            raise SplitError(f"line {line}: {text[i : i + 20].split()[0]!r} outside any command")
        i += 1
    if depth:
        raise SplitError(f"line {start_line}: unclosed '('")
    return forms


def _skip_block_comment(text: str, i: int, line: int) -> tuple[int, int]:
    depth = 0
    n = len(text)
    while i < n:
        if text.startswith("(;", i):
            depth += 1
            i += 2
        elif text.startswith(";)", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i, line
        else:
            if text[i] == "\n":
                line += 1
            i += 1
    raise SplitError(f"line {line}: unclosed block comment")


def _skip_string(text: str, i: int, line: int) -> tuple[int, int]:
    i += 1
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "\n":
            line += 1
        if c == '"':
            return i + 1, line
        i += 1
    raise SplitError(f"line {line}: unclosed string")
