"""Test tooling for refimpl's snapshot pre-initializer (``refimpl.preinit``,
which holds the algorithm itself): the differential check of a snapshot
against the run it stands for (``check``; also against wasmtime), a
generator of init-heavy modules (``generate``), and the long runs
(``campaign``; ``wizer_compare`` against Wizer), none of which refimpl
needs to snapshot a module.  Modules come from the suites, from
``generate``, and from ``wasm-tools smith`` (``harness.fuzz.smith``, shared
with the init-mode campaign)."""
