"""Scripts beyond a suite's profile: proposal folders, legacy exceptions and
assertions about custom sections."""

import pytest

from harness.engines import create_engine
from harness.engines.base import SessionOptions
from harness.engines.wasmtime_engine import WasmtimeEngine, spectest_wats
from harness.judge import judge
from harness.known_differences import KnownDifferences
from harness.messages import MessagePolicy
from harness.outcomes import Invalid, Malformed, Ok
from harness.runner import ScriptRunner
from harness.script import load_script
from harness.script.commands import AssertInvalidCustom, AssertMalformedCustom, ModuleSource
from harness.script.convert import converter_for
from harness.testsuite import declared_profiles, find_testsuite, profiles_for, suite_profile
from harness.wabt_features import feature_flags, missing_features
from refimpl import Features
from refimpl import features as features_module

NONE = KnownDifferences()


def run(tmp_path, text, engines, profile, name="p.wast"):
    path = tmp_path / name
    path.write_text(text)
    script = load_script(path, profile=profile)
    runner = ScriptRunner(script, engines, SessionOptions(profile=profile), known=NONE)
    return {r.line: r for r in runner.run_all()}


def status(result, engine):
    return next(r for r in result.results if r.engine == engine).status


# -- profiles ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["3.0,+threads", "mvp,+threads", "2.0,-simd", "3.0,+legacy_exceptions", "3.0"]
)
def test_a_profile_name_parses_back_to_itself(text):
    features = Features.parse(text)
    assert Features.parse(features.name) == features
    assert features.name == text


def test_proposals_beyond_3_0_are_flags_no_profile_enables():
    for profile in ("mvp", "2.0", "3.0"):
        assert Features.profile(profile).unimplemented() == []
    assert Features.parse("3.0,+threads,+wide_arithmetic").unimplemented() == []
    assert Features.parse("mvp,+threads").unimplemented() == []  # single agent


def test_a_flag_without_an_implementation_is_declined_as_a_whole(monkeypatch):
    # No flag is unimplemented today; the mechanism stays for the next one.
    monkeypatch.setattr(features_module, "NOT_IMPLEMENTED", ("wide_arithmetic",))
    assert Features.parse("3.0,+threads,+wide_arithmetic").unimplemented() == ["wide_arithmetic"]


@pytest.mark.parametrize(
    ("relative", "profile"),
    [
        ("current/i32.wast", "3.0"),
        ("current/proposals/threads/atomic.wast", "mvp,+threads"),
        ("current/proposals/wide-arithmetic/wide-arithmetic.wast", "3.0,+wide_arithmetic"),
        ("current/proposals/custom-page-sizes/binary.wast", "3.0,+custom_page_sizes"),
        ("current/legacy/throw.wast", "3.0,+legacy_exceptions"),
        ("current/custom/name_annot.wast", "3.0"),
        ("current/proposals/some-future-proposal/x.wast", "3.0"),
        ("wasm-2.0/i32.wast", "2.0"),
    ],
)
def test_folders_of_the_suite_pick_their_profile(tmp_path, relative, profile):
    path = tmp_path / relative
    path.parent.mkdir(parents=True)
    path.write_text("(module)")
    assert suite_profile(path, tmp_path) == profile
    assert profiles_for(path, tmp_path) == [profile]
    assert profiles_for(path, tmp_path, override="2.0") == ["2.0"]


@pytest.mark.parametrize(
    ("header", "profiles"),
    [
        (";; profiles: mvp 2.0", ["mvp", "2.0"]),
        (";; profiles: mvp, 2.0", ["mvp", "2.0"]),
        (";; profiles: mvp,+threads 2.0,+threads", ["mvp,+threads", "2.0,+threads"]),
        (";; profile: 3.0,-gc", ["3.0,-gc"]),
    ],
)
def test_a_script_of_our_own_declares_profiles_with_flags(tmp_path, header, profiles):
    path = tmp_path / "ours.wast"
    path.write_text(header + "\n(module)\n")
    assert declared_profiles(path) == profiles
    assert profiles_for(path, None) == profiles


def test_spectest_shared_memory_is_a_module_of_its_own_for_wasmtime():
    """Without multi-memory one module can't define two memories."""
    wats = spectest_wats(Features.parse("mvp,+threads"))
    assert wats[1:] == ['(module (memory (export "shared_memory") 1 2 shared))']
    assert wats[0].count("(memory") == 1


def test_legacy_exceptions_convert_with_wast2json():
    """wasm-tools no longer reads the folded (try (do ...) (catch ...)) form."""
    assert converter_for("auto", "3.0,+legacy_exceptions").name == "wast2json"
    assert converter_for("auto", "3.0").name == "wasm-tools"
    assert converter_for("auto", "mvp,+threads").name == "wast2json"


# -- engines declare what they can't enable --------------------------------------


def test_engines_decline_profiles_they_cannot_run(monkeypatch):
    refimpl, wasmtime, wabt = (create_engine(n) for n in ("refimpl", "wasmtime", "wabt"))
    assert refimpl.unsupported_profile("3.0,+wide_arithmetic") is None
    monkeypatch.setattr(features_module, "NOT_IMPLEMENTED", ("wide_arithmetic",))
    assert "wide_arithmetic" in refimpl.unsupported_profile("3.0,+wide_arithmetic")
    monkeypatch.undo()
    assert refimpl.unsupported_profile("mvp,+threads") is None
    assert refimpl.unsupported_profile("3.0") is None
    assert refimpl.unsupported_profile("3.0,+custom_descriptors") is None  # in part, by construct
    assert "legacy_exceptions" in wasmtime.unsupported_profile("3.0,+legacy_exceptions")
    assert "Wasm 1.0" in wasmtime.unsupported_profile("mvp,+threads")
    assert wasmtime.unsupported_profile("3.0,+wide_arithmetic") is None
    assert "custom_descriptors" in wabt.unsupported_profile("3.0,+custom_descriptors")
    assert wabt.unsupported_profile("mvp,+threads") is None


def test_wabt_options_shared_by_two_flags_are_on_if_either_is():
    """--disable-exceptions would turn 3.0's exceptions off because legacy
    exceptions (the same wabt option) are off."""
    assert "--disable-exceptions" not in feature_flags("spectest-interp", "3.0")
    assert "--disable-exceptions" in feature_flags("spectest-interp", "2.0")
    assert "--enable-threads" in feature_flags("spectest-interp", "mvp,+threads")
    assert missing_features("spectest-interp", "3.0,+threads") == []


def test_spectest_has_a_shared_memory_exactly_with_threads():
    def spectest(profile):
        return "\n".join(spectest_wats(Features.parse(profile)))

    assert "shared_memory" in spectest("2.0,+threads")
    assert "shared_memory" not in spectest("3.0")
    assert "table64" in spectest("3.0")
    assert "table64" not in spectest("2.0")


def test_wasmtime_runs_a_proposal_with_its_switch_on(tmp_path):
    text = """(module
  (import "spectest" "shared_memory" (memory 1 2 shared))
  (func (export "add") (param i32) (result i32)
    (i32.atomic.rmw.add (i32.const 0) (local.get 0))))
(assert_return (invoke "add" (i32.const 5)) (i32.const 0))
(assert_return (invoke "add" (i32.const 1)) (i32.const 5))
"""
    results = run(tmp_path, text, [WasmtimeEngine()], "2.0,+threads")
    assert [status(r, "wasmtime") for r in results.values()] == ["pass"] * 3
    # Without the switch the same module is rejected, as the profile says.
    results = run(tmp_path, text, [WasmtimeEngine()], "2.0")
    assert status(results[1], "wasmtime") == "fail"


def test_refimpl_and_wasmtime_agree_on_the_threads_folder():
    """wasmtime can't run the folder's own profile (mvp,+threads), so they
    meet under 2.0,+threads: state probes included, no divergence, and the
    only failures are the fork's pre-2.0 "multiple tables" (both engines)."""
    root = find_testsuite()
    folder = root / "current" / "proposals" / "threads" if root else None
    if folder is None or not folder.is_dir():
        pytest.skip("the official testsuite is not available")
    engines = [create_engine("refimpl"), WasmtimeEngine()]
    failed, passed = [], 0
    for path in sorted(folder.glob("*.wast")):
        script = load_script(path, profile="2.0,+threads")
        options = SessionOptions(profile="2.0,+threads")
        for result in ScriptRunner(script, engines, options, known=NONE).run_all():
            assert not result.divergences, (path.name, result.line)
            for r in result.results:
                if r.status == "fail":
                    failed.append((path.name, result.line, r.engine))
                passed += r.status == "pass"
    assert passed >= 1200
    assert sorted({(name, line) for name, line, _ in failed}) == [
        ("imports.wast", 310),
        ("imports.wast", 314),
        ("imports.wast", 318),
    ]


def test_a_profile_an_engine_declines_is_unsupported_not_failed(tmp_path, monkeypatch):
    monkeypatch.setattr(features_module, "NOT_IMPLEMENTED", ("threads",))
    text = '(module (func (export "f") (result i32) (i32.const 1)))\n'
    text += '(assert_return (invoke "f") (i32.const 1))\n'
    results = run(tmp_path, text, [create_engine("refimpl")], "2.0,+threads")
    assert {status(r, "refimpl") for r in results.values()} == {"unsupported"}


# -- custom-section assertions --------------------------------------------------


CUSTOM = """(module)
(assert_malformed_custom (module quote "(@custom)") "@custom annotation: missing section name")
"""


def test_custom_assertions_are_commands_of_their_own(tmp_path):
    path = tmp_path / "c.wast"
    path.write_text(CUSTOM)
    script = load_script(path)
    assert isinstance(script.commands[1], AssertMalformedCustom)
    assert script.commands[1].wast_name == "assert_malformed_custom"


def test_custom_assertions_are_judged_only_where_the_engine_reads_custom_content():
    module = ModuleSource(binary=b"\0asm\1\0\0\0", text=None, origin="m.wasm")
    malformed = AssertMalformedCustom(1, module, "@custom annotation: missing section name")
    invalid = AssertInvalidCustom(2, module, "@metadata.code.branch_hint annotation")
    # A well-formed module an engine accepts: it ignores custom content.
    assert judge(malformed, Ok(), MessagePolicy.PREFIX).status == "unsupported"
    assert judge(invalid, Ok(), MessagePolicy.CATEGORIES).status == "unsupported"
    # Rejected: by the spec's text, or by category for an engine's own texts.
    spec_text = Malformed("@custom annotation: missing section name")
    assert judge(malformed, spec_text, MessagePolicy.PREFIX).status == "pass"
    assert judge(malformed, Malformed("unexpected token"), MessagePolicy.PREFIX).status == "fail"
    assert (
        judge(invalid, Invalid("expected a valid target"), MessagePolicy.CATEGORIES).status
        == "pass"
    )


def test_wasmtime_rejects_a_malformed_custom_annotation(tmp_path):
    results = run(tmp_path, CUSTOM, [WasmtimeEngine()], "3.0", name="c.wast")
    assert status(results[2], "wasmtime") == "pass"
    results = run(tmp_path, CUSTOM, [create_engine("refimpl")], "3.0", name="c.wast")
    assert status(results[2], "refimpl") == "pass"  # refimpl reads the text format itself


def test_an_unknown_feature_is_a_usage_error(tmp_path, capsys):
    from harness.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(tmp_path), "--profile", "3.0,+bogus"])
    assert exit_info.value.code == 2
    assert "unknown feature 'bogus'" in capsys.readouterr().err
