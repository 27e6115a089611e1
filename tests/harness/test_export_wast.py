"""export-wast: the state refimpl leaves after instantiation, as assertions
any runner checks; they pass on refimpl and fail when the state differs."""

import re

import pytest

from harness.cli import main
from harness.probes.export_wast import export_modules, memory_digest, null_digest

MODULE = """(module (memory 1) (data (i32.const 8) "abc")
  (table 3 funcref) (elem (i32.const 1) $f) (func $f)
  (global (mut i64) (i64.const -5)) (global f32 (f32.const -0.5)))"""
TRAPPING = """(module (memory 1) (data (i32.const 65535) "ab"))"""


def test_digests_are_the_checkers():
    assert memory_digest(b"\1" + b"\0" * 7 + b"\2" + b"\0" * 7) == 0x100000001B3 + 2
    assert null_digest([None, object(), None]) == (1 * 3 + 2) * 3 + 1
    # A ragged end (1-byte pages): each byte after the last whole word is a word.
    ragged = ((0x100000001B3 + 2) * 0x100000001B3 + 3) % (1 << 64)
    assert memory_digest(b"\1" + b"\0" * 7 + b"\2\3") == ragged


def test_a_memory_of_one_byte_pages_is_checked_in_its_own_pages(tmp_path, capsys):
    from refimpl.features import Features
    from refimpl.text import wat_to_binary

    profile = "3.0,+custom_page_sizes"
    text = '(module (memory (export "m") 5 (pagesize 1)) (data (i32.const 1) "abc"))'
    mod = tmp_path / "m.wasm"
    mod.write_bytes(wat_to_binary(text, Features.parse(profile)))
    out = tmp_path / "out"
    assert main(["export-wast", str(mod), "-o", str(out), "--profile", profile]) == 0
    script = (out / "modules.wast").read_text()
    assert "(memory 0 (pagesize 1))" in script and '"size") (i32.const 5))' in script
    args = ["run", str(out / "modules.wast"), "--profile", profile]
    assert main([*args, "--engine", "refimpl", "--engine", "wasmtime"]) == 0


def test_every_probe_becomes_an_assertion(wat):
    out = export_modules([wat(MODULE), wat(TRAPPING)], "2.0")
    assert out.modules == 1
    text = out.text
    assert '"size") (i32.const 1))' in text
    assert '"end") "out of bounds memory access")' in text
    assert "(i64.const 18446744073709551611)" in text  # -5, as refimpl keeps it
    assert "(f32.const -0x1.0000000000000p-1)" in text
    assert '"nulls") (i32.const 16))' in text  # null, function, null
    assert text.count("(assert_trap (module binary") == 1
    # memory: size, digest, end; table: size, nulls; two globals; the trapping module
    assert out.assertions == 3 + 2 + 2 + 1


def test_exported_scripts_pass_on_refimpl_and_catch_a_changed_state(tmp_path, capsys, wat):
    mod = tmp_path / "m.wasm"
    mod.write_bytes(wat(MODULE))
    assert main(["export-wast", str(mod), "-o", str(tmp_path / "out")]) == 0
    script = tmp_path / "out" / "modules.wast"
    assert main(["run", str(script), "--profile", "2.0"]) == 0
    # The same assertions against a module whose data differs must fail.
    text = script.read_text()
    other = export_modules([wat(MODULE.replace('"abc"', '"abd"'))], "2.0").text
    module_line = other.splitlines()[0]
    broken = tmp_path / "broken.wast"
    broken.write_text("\n".join([module_line, *text.splitlines()[1:]]) + "\n")
    capsys.readouterr()
    assert main(["run", str(broken), "--profile", "2.0"]) == 1
    assert '"digest"' in capsys.readouterr().out


@pytest.mark.parametrize("engine", ["wabt", "wasmtime-cli[-O pooling-allocator=y]"])
def test_exported_scripts_pass_on_script_runners(tmp_path, engine, capsys, wat):
    if engine.startswith("wasmtime-cli"):
        from harness.engines.wasmtime_cli import CliUnavailable, executable

        try:
            executable()
        except CliUnavailable as exc:
            pytest.skip(str(exc))
    mod = tmp_path / "m.wasm"
    mod.write_bytes(wat(MODULE))
    assert main(["export-wast", str(mod), "-o", str(tmp_path / "out")]) == 0
    script = tmp_path / "out" / "modules.wast"
    assert main(["run", str(script), "--profile", "2.0", "--engine", engine]) == 0


def test_shared_memories_are_checked_through_a_shared_import(tmp_path, wat):
    shared = '(module (memory 1 2 shared) (data (i32.const 8) "abc"))'
    out = export_modules([wat(shared)], "2.0,+threads")
    assert "(memory 0 65536 shared))" in out.text and not out.skipped
    assert out.assertions == 3
    script = tmp_path / "shared.wast"
    script.write_text(out.text)
    for engine in ("refimpl", "wasmtime"):
        assert main(["run", str(script), "--profile", "2.0,+threads", "--engine", engine]) == 0
    changed = export_modules([wat(shared.replace('"abc"', '"abd"'))], "2.0,+threads").text
    script.write_text(out.text.splitlines()[0] + "\n" + "\n".join(changed.splitlines()[1:]))
    assert main(["run", str(script), "--profile", "2.0,+threads"]) == 1


def test_debug_names_are_left_out(wat):
    named = wat('(module $named (func $f (export "f")) (memory 1))')
    assert b"\x04name" in named
    text = export_modules([named], "2.0").text
    assert "\\04\\6e\\61\\6d\\65" not in text  # no "name" section in the written module
    assert '"size") (i32.const 1))' in text


HUGE = '(module (memory 32769) (data (i32.const 0x80000000) "x") (data (i32.const 70000) "y"))'


def test_a_huge_memory_is_checked_where_written_and_at_its_ends(tmp_path, capsys, wat):
    """2 GiB: windows over the first page, the pages written and the last
    page (a whole digest would loop over 2^28 words on every runner)."""
    out = export_modules([wat(HUGE)], "2.0")
    windows = re.findall(r'"window" \(i32.const (\d+)\) \(i32.const (\d+)\)', out.text)
    assert windows == [
        ("0", "131072"),  # the first page and the page 70000 is on
        ("2147483648", "2147549184"),  # the last page, written at 2^31
    ]
    assert '"digest") (i64.const' not in out.text
    script = tmp_path / "huge.wast"
    script.write_text(out.text)
    assert main(["run", str(script), "--profile", "2.0", "--engine", "refimpl"]) == 0
    # A byte at 2^31 that is not there fails the window of the last page.
    other = export_modules([wat(HUGE.replace('"x"', '"z"'))], "2.0").text
    script.write_text("\n".join([other.splitlines()[0], *out.text.splitlines()[1:]]) + "\n")
    capsys.readouterr()
    assert main(["run", str(script), "--profile", "2.0", "--engine", "refimpl"]) == 1
    assert '"window"' in capsys.readouterr().out
