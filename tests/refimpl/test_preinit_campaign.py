"""A bounded run of the pre-initialization campaign (the long run is
``python -m harness.preinit.campaign``): generated init-heavy modules,
smith modules and a few suite scripts, with no divergence."""

from __future__ import annotations

import pytest
from binary_helpers import wat

from harness.preinit.campaign import (
    Case,
    generated_cases,
    init_candidates,
    run_case,
    smith_case,
    suite_cases,
    summarize,
)
from harness.preinit.generate import generate_module
from refimpl.binary import decode_module
from refimpl.features import WASM_2_0
from refimpl.preinit import errors as reasons


def _no_divergence(outcomes):
    summary = summarize(outcomes, per_module=True)
    assert not summary.divergent, "\n".join(summary.divergent)
    assert not summary.errors, "\n".join(summary.errors)
    return summary


def test_generated_modules():
    summary = _no_divergence([run_case(c) for c in generated_cases(7, 16)])
    assert summary.snapshotted >= 10
    assert summary.calls > 500
    assert set(summary.refused) <= {reasons.CALLS_IMPORT, reasons.INIT_TRAPS}


def test_generated_modules_are_init_heavy():
    m = generate_module(7, 3)
    assert m.data_count == len(m.datas)
    assert any(e.name == "wizer.initialize" for e in m.exports)


def test_smith_modules():
    cases = [smith_case(11, i) for i in range(4)]
    summary = _no_divergence([run_case(c) for c in cases])
    assert summary.cases == len(cases)


def test_suite_scripts():
    from harness.testsuite import find_testsuite

    root = find_testsuite()
    if root is None or not (root / "wasm-2.0").is_dir():
        pytest.skip("the official testsuite was not found")
    cases = [
        c
        for c in suite_cases(root, "wasm-2.0", "2.0", max_inits=4)
        if c.label.split(":")[0] in {"memory_init.wast", "bulk.wast", "start.wast", "global.wast"}
    ]
    summary = _no_divergence([run_case(c) for c in cases])
    assert summary.snapshotted >= 10


def test_init_candidates():

    binary = wat(
        """(module (func $s) (start $s) (func (export "a")) (func (export "b") (param i32))
           (func (export "c") (result i32) (i32.const 1)))"""
    )
    assert init_candidates(decode_module(binary, WASM_2_0)) == [None, "a", "c"]
    out = run_case(Case("suite", "x", "id", binary, "c"))
    assert out.status == "snapshotted" and not out.divergences


def _fake_wizer(tmp_path, body: str) -> str:
    import sys

    script = tmp_path / "wizer"
    script.write_text(f"#!{sys.executable}\n{body}")
    script.chmod(0o755)
    return str(script)


def test_wizer_compare_plumbing(tmp_path):
    """The comparison with a stand-in for the Wizer binary (the real one is
    a developer command: ``python -m harness.preinit.wizer_compare``)."""
    from pathlib import Path

    from harness.preinit.wizer_compare import compare_case

    repo = Path(__file__).resolve().parents[2]
    agreeing = _fake_wizer(
        tmp_path,
        f"import sys\nsys.path.insert(0, {str(repo)!r})\n"
        "from refimpl.preinit import preinitialize\n"
        "src, _, out, _, name = sys.argv[1:6]\n"
        "open(out, 'wb').write(preinitialize(open(src, 'rb').read(), name))\n",
    )
    binary = wat(
        """(module (memory 1) (global (mut i64) (i64.const 0))
           (func (export "init")
             (global.set 0 (i64.const 9)) (i32.store (i32.const 4) (i32.const 7))))"""
    )
    case = Case("generated", "x", "id", binary, "init")
    assert compare_case(agreeing, case).verdict == "agree"
    refusing = _fake_wizer(
        tmp_path, "import sys\nprint('Error: nope', file=sys.stderr)\nsys.exit(1)\n"
    )
    c = compare_case(refusing, case)
    assert c.verdict == "wizer refused" and "Error: nope" in c.detail
    lying = _fake_wizer(
        tmp_path,
        "import sys\nopen(sys.argv[3], 'wb').write(bytes.fromhex('0061736d01000000'))\n",
    )
    assert compare_case(lying, case).verdict == "disagree"
