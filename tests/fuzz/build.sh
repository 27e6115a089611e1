#!/bin/bash -eu
# OSS-Fuzz build script (projects/<name>/build.sh runs this): installs the
# project, compiles every fuzz_*.py target with compile_python_fuzzer, and
# puts a seed corpus zip beside each target.  The testsuite must be
# checked out next to the project as shared/testsuite (or WASM_TESTSUITE set)
# for the seed corpus; without it the targets start from an empty corpus.
pip3 install "$SRC/wasm-conformance"
for fuzzer in "$SRC"/wasm-conformance/tests/fuzz/fuzz_*.py; do
  compile_python_fuzzer "$fuzzer"
done
python3 "$SRC/wasm-conformance/tests/fuzz/make_seed_corpus.py" "$OUT" --zip || true
