"""The options of a run, declared once for ``wasm-harness run`` and pytest.

Each ``Option`` is rendered into argparse (``add_to_argparse``) and into
pytest's parser (``add_to_pytest``), so the two faces cannot drift apart;
``RunOptions.read`` turns either's parsed values into one settings object.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .dialect import DIALECTS
from .engines import FACTORIES, engine_names
from .script import CONVERTERS
from .testsuite import SUITES, TESTSUITE_ENV

# The words of the three-way options, as the runner's arguments.
_ISOLATE = {"auto": None, "all": True, "none": False}
_PROBE = {"auto": None, "on": True, "off": False}


def _profile(text: str) -> str:
    """``--profile``: checked when parsed, so a typo is a usage error."""
    from refimpl.features import Features

    try:
        Features.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


@dataclass(frozen=True)
class Option:
    flag: str
    dest: str
    help: str
    action: str = "store"
    choices: tuple[str, ...] | None = None
    default: Any = None
    type: Callable[[str], Any] | None = None
    metavar: str | None = None
    env: str | None = None  # the environment variable consulted when the option is not given
    default_text: str | None = None  # the default in words, where it is not a value
    # The flag under pytest, where pytest or a common plugin has taken ours
    # (pytest-timeout's --timeout).
    pytest_flag: str | None = None

    def kwargs(self) -> dict[str, Any]:
        shown = self.default_text
        if self.env:
            shown = f"${self.env}, else {shown}"
        elif shown is None and self.default is not None and self.action == "store":
            shown = str(self.default)
        help_ = f"{self.help} (default: {shown})" if shown else self.help
        kwargs: dict[str, Any] = {"dest": self.dest, "action": self.action, "help": help_}
        if self.action in ("store", "append"):
            for key in ("choices", "default", "type", "metavar"):
                if getattr(self, key) is not None:
                    kwargs[key] = getattr(self, key)
        return kwargs


OPTIONS: tuple[Option, ...] = (
    Option(
        "--engine",
        "engine",
        "engine to run the scripts on (repeatable): "
        f"{', '.join(sorted(FACTORIES))}, refimpl[MODE], "
        "wasmtime[SETTING=VALUE,...] (wasmtime-py Config settings), python:MODULE:ATTR "
        "or program:NAME=COMMAND",
        action="append",
        default_text="refimpl",
    ),
    Option(
        "--init-mode",
        "init_mode",
        "also instantiate with this init mode of refimpl (repeatable, or all): "
        "paged, static, functable, cow, pooled; compared with plain refimpl",
        action="append",
    ),
    Option(
        "--suite",
        "suite",
        "official suite to run (repeatable)",
        action="append",
        default_text="with no paths, all; pytest: all",
        choices=tuple(sorted(SUITES)),
    ),
    Option(
        "--recursive",
        "recursive",
        "also run the .wast files in subfolders (proposals/, legacy/, custom/ ...)",
        action="store_true",
        pytest_flag="--suite-recursive",
    ),
    Option(
        "--testsuite",
        "testsuite",
        "the official testsuite folder",
        metavar="DIR",
        env=TESTSUITE_ENV,
        default_text="../shared/testsuite",
    ),
    Option(
        "--profile",
        "profile",
        "judge every script under this feature profile, e.g. 2.0 or 2.0,-simd",
        type=_profile,
        default_text="the suite's own: pre-bulk-memory mvp, wasm-2.0 2.0, current 3.0",
    ),
    Option(
        "--dialect",
        "dialect",
        "the scripts' dialect: spec, or wasmtime (its misc_testsuite: ;;! feature headers, "
        "named modules importable, wasmtime's messages); auto: wasmtime when ;;! headers",
        choices=DIALECTS,
        default="auto",
    ),
    Option(
        "--converter",
        "converter",
        "how scripts are read: a converter (wasm-tools, wast2json) or refimpl's parser",
        choices=CONVERTERS,
        default="auto",
    ),
    Option(
        "--isolate",
        "isolate",
        "run engines in worker processes (auto: those that can crash)",
        choices=tuple(_ISOLATE),
        default="auto",
    ),
    Option(
        "--timeout",
        "engine_timeout",
        "seconds an engine may take for one command",
        type=float,
        metavar="SECONDS",
        default=60.0,
        pytest_flag="--engine-timeout",
    ),
    Option(
        "--probe",
        "probe",
        "compare every memory, table and global across engines after each instantiation "
        "(auto: when at least two engines that can be probed run, i.e. refimpl and wasmtime)",
        choices=tuple(_PROBE),
        default="auto",
    ),
    Option(
        "--known-differences",
        "known_differences",
        "folder of reviewed known differences, one ENGINE.toml per engine",
        metavar="DIR",
        default_text="harness/known",
    ),
    Option(
        "--baseline",
        "baseline",
        "a baseline TOML (docs/baselines.md): fail only on commands whose status moved "
        "away from pass or from the recorded one",
        metavar="FILE",
    ),
    Option(
        "--update-baseline",
        "update_baseline",
        "write this run's non-pass results to the --baseline file (keeping edited reasons)",
        action="store_true",
    ),
    Option(
        "--strict-baseline",
        "strict_baseline",
        "with --baseline, newly passing commands and stale entries fail the run too",
        action="store_true",
    ),
)


def add_to_argparse(parser: argparse.ArgumentParser) -> None:
    for option in OPTIONS:
        parser.add_argument(option.flag, **option.kwargs())


def add_to_pytest(group) -> None:
    """``group``: a pytest ``OptionGroup`` (``parser.getgroup(...)``)."""
    for option in OPTIONS:
        group.addoption(option.pytest_flag or option.flag, **option.kwargs())


@dataclass(frozen=True)
class RunOptions:
    """What a run asks for, whichever face parsed it (picklable: the CLI
    hands it to its file workers)."""

    engines: tuple[str, ...] = ("refimpl",)
    suites: tuple[str, ...] = ()
    recursive: bool = False
    testsuite: str | None = None
    profile: str | None = None
    converter: str = "auto"
    dialect: str = "auto"
    isolate: bool | None = None  # None: each engine's default
    timeout: float = 60.0
    probes: bool | None = None  # None: when two engines can be probed
    known: str | None = None  # folder of known differences (None: harness/known)
    baseline: str | None = None
    update_baseline: bool = False
    strict_baseline: bool = False

    @classmethod
    def read(cls, get: Callable[[str], Any]) -> RunOptions:
        """From parsed values by ``dest`` (``vars(args).get``, ``config.getoption``)."""
        return cls(
            engines=tuple(engine_names(get("engine"), get("init_mode"))),
            suites=tuple(get("suite") or ()),
            recursive=bool(get("recursive")),
            testsuite=get("testsuite"),
            profile=get("profile"),
            converter=get("converter"),
            dialect=get("dialect") or "auto",
            isolate=_ISOLATE[get("isolate")],
            timeout=get("engine_timeout"),
            probes=_PROBE[get("probe")],
            known=get("known_differences"),
            baseline=get("baseline"),
            update_baseline=bool(get("update_baseline")),
            strict_baseline=bool(get("strict_baseline")),
        )
