#!/usr/bin/python3
"""Atheris (libFuzzer) target for the text parser, once refimpl has one:
parsing ends in the parser's error or a module error, nothing else.  The
parser is found by ``harness.fuzz.mutation.text_parser`` (the one place
that knows its name); without one the target exits at once."""

import contextlib
import sys

import atheris

with atheris.instrument_imports():
    from harness.fuzz.mutation import text_parser
    from refimpl.errors import InvalidModule, MalformedModule, UnsupportedFeature
    from refimpl.features import Features

PARSER = text_parser()
FEATURES = Features.parse("3.0")


def TestOneInput(data: bytes) -> None:
    parse, error = PARSER
    with contextlib.suppress(error, MalformedModule, InvalidModule, UnsupportedFeature):
        parse(data, FEATURES)


def main() -> None:
    if PARSER is None:
        print("no text parser in refimpl yet: nothing to fuzz")
        return
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
