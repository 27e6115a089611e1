"""``wasm-harness preinit`` (harness/preinit_cli.py, registered in harness.cli)."""

from __future__ import annotations

from binary_helpers import wat

from harness import cli
from refimpl.binary import decode_module
from refimpl.features import WASM_2_0

MODULE = """
(module
  (memory 1)
  (global $g (mut i32) (i32.const 0))
  (func $s (global.set $g (i32.const 1)))
  (start $s)
  (func (export "init") (global.set $g (i32.add (global.get $g) (i32.const 10))))
  (func (export "get") (result i32) (global.get $g))
  (func (export "main") (result i32) (i32.const 5))
)
"""


def _global(path) -> object:
    module = decode_module(path.read_bytes(), WASM_2_0)
    return module.globals[0].init[0][1], [e.name for e in module.exports]


def test_preinit_command(tmp_path, capsys):
    src, out = tmp_path / "in.wasm", tmp_path / "out.wasm"
    src.write_bytes(wat(MODULE))
    assert cli.main(["preinit", str(src), "-o", str(out), "--init-func", "init", "-v"]) == 0
    assert "data segments" in capsys.readouterr().out
    assert _global(out) == (11, ["get", "main"])


def test_keep_rename_and_no_init(tmp_path):
    src, out = tmp_path / "in.wasm", tmp_path / "out.wasm"
    src.write_bytes(wat(MODULE))
    args = ["preinit", str(src), "-o", str(out), "--init-func", "init", "--keep-init-func"]
    assert cli.main([*args, "--rename", "_start=main"]) == 0
    assert _global(out) == (11, ["init", "get", "_start"])
    assert cli.main(["preinit", str(src), "-o", str(out), "--no-init-func"]) == 0
    assert _global(out) == (1, ["init", "get", "main"])


def test_refusal_exits_1(tmp_path, capsys):
    src, out = tmp_path / "in.wasm", tmp_path / "out.wasm"
    src.write_bytes(wat('(module (import "m" "g" (global i32)) (func (export "init")))'))
    assert cli.main(["preinit", str(src), "-o", str(out), "--init-func", "init"]) == 1
    err = capsys.readouterr().err
    assert "imports a global" in err and "m.g" in err
    assert not out.exists()


def test_usage_errors_exit_2(tmp_path):
    out = tmp_path / "out.wasm"
    assert cli.main(["preinit", str(tmp_path / "missing.wasm"), "-o", str(out)]) == 2


def test_check_compares_the_snapshot_with_the_original(tmp_path, capsys):
    src, out = tmp_path / "in.wasm", tmp_path / "out.wasm"
    src.write_bytes(wat(MODULE))
    args = ["preinit", str(src), "-o", str(out), "--init-func", "init", "--check"]
    assert cli.main(args) == 0
    assert "later calls agree" in capsys.readouterr().out
