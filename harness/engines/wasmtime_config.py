"""Configured wasmtime lanes: ``wasmtime[memory_init_cow=false,memory_guard_size=0]``.

A runtime's init bugs live in its configurations (copy-on-write images or
not, guard regions, reservations), so a lane is wasmtime with any setting
wasmtime-py's ``Config`` has.  Settings are checked against the installed
``Config`` (older releases have fewer), so a typo or a setting the release
lacks is a clear error naming what exists, never an AttributeError later.
The lane's name is its canonical spelling: two spellings of one
configuration are one lane.
"""

from __future__ import annotations

from dataclasses import dataclass

_TRUE = ("true", "yes", "y", "on")
_FALSE = ("false", "no", "n", "off")
# Settings the harness itself decides per profile (features) or that would
# break the adapter: a lane may not override them.
_RESERVED_PREFIXES = ("wasm_",)
_RESERVED = {"shared_memory", "cache", "ptr", "close", "target", "profiler"}


class ConfigError(ValueError):
    """A lane's settings can't be applied to this wasmtime-py's ``Config``."""


@dataclass(frozen=True)
class Setting:
    name: str
    value: bool | int | str

    def text(self) -> str:
        value = self.value
        return f"{self.name}={str(value).lower() if isinstance(value, bool) else value}"


def settable(config_type: type | None = None) -> list[str]:
    """The ``Config`` settings a lane may set, in this wasmtime-py."""
    if config_type is None:
        import wasmtime

        config_type = wasmtime.Config
    names = []
    for name in dir(config_type):
        attr = getattr(config_type, name, None)
        if name.startswith("_") or not isinstance(attr, property) or attr.fset is None:
            continue
        if name in _RESERVED or name.startswith(_RESERVED_PREFIXES):
            continue
        names.append(name)
    return names


def _value(text: str) -> bool | int | str:
    low = text.strip().lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    try:
        return int(low, 0)
    except ValueError:
        return text.strip()


def parse_settings(text: str, config_type: type | None = None) -> tuple[Setting, ...]:
    """``a=1,b=false`` as settings, sorted by name (the canonical order);
    CLI spellings (``memory-init-cow``) are accepted."""
    known = settable(config_type)
    out: dict[str, Setting] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, eq, raw = part.partition("=")
        name = name.strip().replace("-", "_")
        if not eq or not raw.strip():
            raise ConfigError(f"setting {part!r} has no value (write NAME=VALUE)")
        if name not in known:
            raise ConfigError(
                f"wasmtime-py's Config has no setting {name!r} a lane may set "
                f"(known: {', '.join(known)})"
            )
        out[name] = Setting(name, _value(raw))
    return tuple(out[name] for name in sorted(out))


def lane_name(settings: tuple[Setting, ...]) -> str:
    if not settings:
        return "wasmtime"
    return "wasmtime[" + ",".join(s.text() for s in settings) + "]"


def apply(config, settings: tuple[Setting, ...]) -> None:
    """Set each setting on ``config``; a value the release refuses is a
    ``ConfigError`` naming the setting."""
    for s in settings:
        try:
            setattr(config, s.name, s.value)
        except Exception as exc:  # wasmtime-py's own checks: TypeError, WasmtimeError
            raise ConfigError(f"wasmtime refused {s.text()}: {exc}") from None


def checked_settings(text: str) -> tuple[Setting, ...]:
    """``parse_settings`` of the installed wasmtime-py, each value tried on
    a ``Config`` of its own."""
    import wasmtime

    settings = parse_settings(text, wasmtime.Config)
    apply(wasmtime.Config(), settings)
    return settings
