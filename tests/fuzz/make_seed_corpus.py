#!/usr/bin/python3
"""Write the seed corpus of the binary targets: the testsuite's modules and
../shared/corpus's small ones (``harness.fuzz.mutation.seed_modules``), one
file each, prefixed with the profile byte the targets read first (3.0, so
every module decodes under its profile).  With ``--zip``, as the
``fuzz_<target>_seed_corpus.zip`` OSS-Fuzz picks up beside each target.

    python tests/fuzz/make_seed_corpus.py OUT_DIR [--zip]
"""

import argparse
import hashlib
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from harness.fuzz.mutation import seed_modules

PROFILE_3_0 = b"\x02"  # index of "3.0" in the targets' PROFILES
TARGETS = ("fuzz_decode_validate", "fuzz_instantiate")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--zip", action="store_true")
    a = p.parse_args()
    seeds = [PROFILE_3_0 + m for m in seed_modules()]
    a.out.mkdir(parents=True, exist_ok=True)
    if a.zip:
        for target in TARGETS:
            with zipfile.ZipFile(a.out / f"{target}_seed_corpus.zip", "w") as z:
                for s in seeds:
                    z.writestr(hashlib.sha1(s).hexdigest(), s)
    else:
        for s in seeds:
            (a.out / hashlib.sha1(s).hexdigest()).write_bytes(s)
    print(f"{len(seeds)} seeds written to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
