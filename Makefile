# The two commands of the quick start:
#   make demo   set everything up, run the spec suites on refimpl and wasmtime, report
#   make test   set everything up, run the test suite (unit tests + spec scripts)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
# pytest exits 5 when it collected nothing: a broken selection, not a pass.
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider
# The spec scripts have no Python tests: no assertion rewriting of the
# harness and refimpl (pytest rewrites every module of an installed plugin's
# distribution, in every process) and no hypothesis plugin (its summary
# imports hypothesis in the controller).
SPEC := $(PYTEST) --assert=plain -p no:hypothesispytest

.PHONY: setup demo test lint bench clean

$(BIN)/wasm-harness: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/wasm-harness

demo: setup
	mkdir -p reports
	$(BIN)/wasm-harness run --engine refimpl --engine wasmtime --suite wasm-2.0 --json reports/demo-2.0.json
	$(BIN)/wasm-harness run --engine refimpl --engine wabt --suite pre-bulk-memory

# Unit tests; then the spec suites: Wasm 2.0 and Wasm 3.0 (with its proposals)
# on refimpl's fast path, its plain interpreter and wasmtime with state probes;
# Wasm 1.0 on refimpl and wabt; every init mode against the plain path;
# wasmtime's own misc tests on refimpl and wasmtime; V8 against its baseline.
# Each step prints one line (its wall and CPU seconds, its counts); its
# whole output is in reports/test-LABEL.log, and printed when it fails.
#
# The steps run two at a time, each in one process, longest first (STEPS is
# in that order; make starts the next as soon as one ends): on 2 cores this
# spends less CPU than each step spreading over both cores through xdist,
# whose controller handles every item's report. -k runs every step even
# after a failure, so one run shows them all; -O keeps a failing step's
# output in one piece.
QUIET := .ci/quiet
# Other runtimes' test suites (data, outside the repository).
FOREIGN ?= $(or $(WASM_FOREIGN),../shared/foreign)
STEPS := current unit-refimpl init-modes unit-harness wasm-2.0 pre-bulk-memory v8-baseline wasmtime-misc
.PHONY: $(addprefix test-,$(STEPS))
# Each step alone: make test-current, ...
$(addprefix test-,$(STEPS)): setup

test: setup
	@rm -f reports/test-*.log reports/test-counts.tsv reports/test-times.tsv
	@start=$$(date +%s); $(MAKE) --no-print-directory -k -j2 -O $(addprefix test-,$(STEPS)); \
	status=$$?; $(QUIET) --total $$start; exit $$status

test-unit-refimpl:
	@$(QUIET) unit-refimpl $(PYTEST) -q tests/refimpl tests/bench
test-unit-harness:
	@$(QUIET) unit-harness $(PYTEST) -q tests/harness
test-wasm-2.0:
	@$(QUIET) wasm-2.0 $(SPEC) -q spectests --engine refimpl --engine refimpl-interpreter --engine wasmtime --suite wasm-2.0
test-pre-bulk-memory:
	@$(QUIET) pre-bulk-memory $(SPEC) -q spectests --engine refimpl --engine wabt --suite pre-bulk-memory
test-current:
	@$(QUIET) current $(SPEC) -q spectests --engine refimpl --engine refimpl-interpreter --engine wasmtime --suite current --suite-recursive
test-init-modes:
	@$(QUIET) init-modes $(SPEC) -q spectests --init-mode all --suite wasm-2.0 --suite pre-bulk-memory
test-wasmtime-misc:
	@$(QUIET) wasmtime-misc $(BIN)/wasm-harness run $(FOREIGN)/wasmtime-misc --dialect wasmtime --engine refimpl --engine wasmtime -j 1
test-v8-baseline:
	@if command -v node >/dev/null; then $(QUIET) v8-baseline $(BIN)/wasm-harness run --engine v8 --suite wasm-2.0 --baseline harness/adapters/v8/baseline-wasm-2.0.toml -j 1; \
	else echo "v8-baseline      skipped: node is not on PATH"; fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) reports build *.egg-info
