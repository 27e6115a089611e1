#!/usr/bin/python3
"""Write the targets' seed corpora: for the binary targets the testsuite's
modules and ../shared/corpus's small ones (``harness.fuzz.mutation.
seed_modules``), one file each, prefixed with the profile byte the targets
read first (3.0, so every module decodes under its profile); for
``fuzz_text`` the suites' text modules (``text_mutation.seed_texts``), as
they are.  With ``--zip``, each as the ``fuzz_<target>_seed_corpus.zip``
OSS-Fuzz picks up beside its target; without, ``--text`` chooses which to
write into OUT_DIR.

    python tests/fuzz/make_seed_corpus.py OUT_DIR [--zip] [--text]
"""

import argparse
import hashlib
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from harness.fuzz.mutation import seed_modules, text_seeds

PROFILE_3_0 = b"\x02"  # index of "3.0" in the targets' PROFILES
TARGETS = ("fuzz_decode_validate", "fuzz_instantiate")
TEXT_TARGET = "fuzz_text"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--zip", action="store_true")
    p.add_argument("--text", action="store_true", help="without --zip: the text seeds")
    a = p.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    if a.zip:
        binary = [PROFILE_3_0 + m for m in seed_modules()]
        for target in TARGETS:
            _zip(a.out / f"{target}_seed_corpus.zip", binary)
        _zip(a.out / f"{TEXT_TARGET}_seed_corpus.zip", list(text_seeds()))
        print(f"{len(binary)} binary and {len(text_seeds())} text seeds zipped into {a.out}")
        return 0
    seeds = list(text_seeds()) if a.text else [PROFILE_3_0 + m for m in seed_modules()]
    for s in seeds:
        (a.out / hashlib.sha1(s).hexdigest()).write_bytes(s)
    print(f"{len(seeds)} seeds written to {a.out}")
    return 0


def _zip(path: Path, seeds: list[bytes]) -> None:
    with zipfile.ZipFile(path, "w") as z:
        for s in seeds:
            z.writestr(hashlib.sha1(s).hexdigest(), s)


if __name__ == "__main__":
    sys.exit(main())
