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


# The pooling instance allocator (wasmtime's production setting: slots of
# memories and tables reused across instances, CVE-2022-39393 and
# GHSA-6wgr-89rj-399p lived there).  wasmtime-py has no Config property for
# it, only the C API (``wasmtime_pooling_allocation_*``), so ``pooling=N``
# is a setting of the harness: N memory and N table slots for the modules a
# lane runs, plus those the spectest instance of each store holds (one
# memory, two tables) and a store's GC heap (wasmtime 50 takes it from the
# memory pool once a module has an externref table: measured, a module's
# second memory was refused without it); slots are reused once a store is
# dropped.
POOLING = "pooling"
SPECTEST_MEMORIES, SPECTEST_TABLES, GC_HEAPS = 1, 2, 1
# What one slot holds: a memory just over 2 GiB (offsets at 2^31), tables
# of the spectest's and the generated modules' sizes.
POOLED_MEMORY_BYTES = 4 << 30
POOLED_TABLE_ELEMENTS = 10_000
POOLED_INSTANCES = 1000  # checkers and trampolines are instances too


def _pooling_bindings():
    """wasmtime-py's C API for the pooling allocator, or None (releases
    before it have no bindings for it)."""
    try:
        from wasmtime import _bindings
    except ImportError:
        return None
    return _bindings if hasattr(_bindings, "wasmtime_pooling_allocation_strategy_set") else None


def _apply_pooling(config, slots: object) -> None:
    ffi = _pooling_bindings()
    if ffi is None:
        raise ConfigError("this wasmtime-py has no pooling allocator in its C API")
    if isinstance(slots, bool) or not isinstance(slots, int) or not 1 <= slots <= 64:
        raise ConfigError(f"pooling={slots}: the number of slots, 1 to 64")
    pool = ffi.wasmtime_pooling_allocation_config_new()
    try:
        ffi.wasmtime_pooling_allocation_config_total_memories_set(
            pool, slots + SPECTEST_MEMORIES + GC_HEAPS
        )
        ffi.wasmtime_pooling_allocation_config_total_tables_set(pool, slots + SPECTEST_TABLES)
        ffi.wasmtime_pooling_allocation_config_max_memories_per_module_set(pool, max(slots, 1))
        ffi.wasmtime_pooling_allocation_config_max_tables_per_module_set(
            pool, max(slots, SPECTEST_TABLES) + 1
        )
        ffi.wasmtime_pooling_allocation_config_max_memory_size_set(pool, POOLED_MEMORY_BYTES)
        ffi.wasmtime_pooling_allocation_config_table_elements_set(pool, POOLED_TABLE_ELEMENTS)
        ffi.wasmtime_pooling_allocation_config_total_core_instances_set(pool, POOLED_INSTANCES)
        ffi.wasmtime_pooling_allocation_strategy_set(config.ptr(), pool)
    finally:
        ffi.wasmtime_pooling_allocation_config_delete(pool)


def settable(config_type: type | None = None) -> list[str]:
    """The ``Config`` settings a lane may set, in this wasmtime-py."""
    if config_type is None:
        import wasmtime

        config_type = wasmtime.Config
    names = [POOLING] if _pooling_bindings() is not None else []
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
        if s.name == POOLING:
            _apply_pooling(config, s.value)
            continue
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
