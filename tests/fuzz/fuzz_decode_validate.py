#!/usr/bin/python3
"""Atheris (libFuzzer) target: decoding and validation under every profile
end in ``MalformedModule``/``InvalidModule`` (or ``UnsupportedFeature``, an
implementation limit) and nothing else.  Laid out as OSS-Fuzz expects
(see build.sh and docs/fuzzing.md):

    python tests/fuzz/fuzz_decode_validate.py CORPUS_DIR -max_total_time=1800
"""

import contextlib
import sys

import atheris

with atheris.instrument_imports():
    from refimpl.binary import decode_module
    from refimpl.errors import InvalidModule, MalformedModule, UnsupportedFeature
    from refimpl.features import Features
    from refimpl.valid import validate_module

PROFILES = [Features.parse(p) for p in ("mvp", "2.0", "3.0", "3.0,+legacy_exceptions")]
EXPECTED = (MalformedModule, InvalidModule, UnsupportedFeature)


def TestOneInput(data: bytes) -> None:
    if not data:
        return
    features = PROFILES[data[0] % len(PROFILES)]  # the first byte picks the profile
    with contextlib.suppress(EXPECTED):
        validate_module(decode_module(data[1:], features), features)


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
