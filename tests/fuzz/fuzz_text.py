#!/usr/bin/python3
"""Atheris (libFuzzer) target for refimpl's text parser: parsing ends in
the parser's error, a module error or a typed implementation limit
(``UnsupportedFeature``), nothing else.  Its seed corpus is the suites'
text modules (``make_seed_corpus.py --text``)."""

import contextlib
import sys

import atheris

with atheris.instrument_imports():
    from harness.fuzz.mutation import text_parser
    from refimpl.errors import InvalidModule, MalformedModule, UnsupportedFeature
    from refimpl.features import Features

    # Inside the block: the parser's modules are imported by this call, and
    # only modules imported here are instrumented (outside it, libFuzzer saw
    # a coverage of 4 edges).
    PARSER = text_parser()
FEATURES = Features.parse("3.0")


def TestOneInput(data: bytes) -> None:
    parse, error = PARSER
    with contextlib.suppress(error, MalformedModule, InvalidModule, UnsupportedFeature):
        parse(data, FEATURES)


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
