# The two commands of the quick start:
#   make demo   set everything up, run the spec suites on refimpl and wasmtime, report
#   make test   set everything up, run the test suite (unit tests + spec scripts)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
# pytest exits 5 when it collected nothing: a broken selection, not a pass.
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider

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

# Unit tests; then the spec suites: Wasm 2.0 on refimpl and wasmtime with state
# probes, Wasm 1.0 on refimpl and wabt, Wasm 3.0 and its proposals on wasmtime,
# refimpl's fast path against its interpreter, and every init mode against the
# plain path.  Each command prints one line (counts and seconds); its whole
# output is in reports/test-LABEL.log, and printed when it fails.
QUIET := .ci/quiet
test: setup
	@$(QUIET) unit $(PYTEST) -q -n 2 tests
	@$(QUIET) wasm-2.0 $(PYTEST) -q -n 2 spectests --engine refimpl --engine wasmtime --suite wasm-2.0
	@$(QUIET) pre-bulk-memory $(PYTEST) -q -n 2 spectests --engine refimpl --engine wabt --suite pre-bulk-memory
	@$(QUIET) current $(PYTEST) -q -n 2 spectests --engine wasmtime --suite current --suite-recursive
	@$(QUIET) fast-vs-interp $(PYTEST) -q -n 2 spectests --engine refimpl --engine refimpl-interpreter --suite wasm-2.0
	@$(QUIET) init-modes $(PYTEST) -q -n 2 spectests --init-mode all --suite wasm-2.0 --suite pre-bulk-memory

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) reports build *.egg-info
