"""Feature profiles: one runtime, three generations of the spec.

Every proposal that changed the core spec is a flag, so a profile is just a
named set of flags and a user can describe exactly the engine under test
(``Features.parse("2.0,-simd")``).  The instantiation semantics follow the
``bulk_memory`` flag: without it, segments are bounds-checked up front and a
misfit is a link error (Wasm 1.0); with it, segments are applied in order and
a misfit traps after the earlier writes (Wasm 2.0).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True, slots=True)
class Features:
    # Merged before Wasm 2.0, present in every profile here.
    sign_extension: bool = True
    saturating_float_to_int: bool = True
    multi_value: bool = True
    mutable_globals: bool = True
    # Wasm 2.0
    bulk_memory: bool = False
    reference_types: bool = False
    simd: bool = False
    # Wasm 3.0
    relaxed_simd: bool = False
    memory64: bool = False
    multi_memory: bool = False
    tail_call: bool = False
    extended_const: bool = False
    function_references: bool = False
    exceptions: bool = False
    gc: bool = False
    # Proposals beyond Wasm 3.0 (the suite's proposals/ and legacy/ folders).
    # No profile enables them; refimpl accepts the flags so a user can
    # describe the engine under test, and declines to run what it lacks
    # (``unimplemented``; today every flag has an implementation).
    # threads is implemented for a single agent (``exec.atomics``);
    # custom_page_sizes and wide_arithmetic in full; custom_descriptors in
    # part (exact types, exact imports): its descriptor clauses and
    # instructions raise ``UnsupportedFeature``.
    threads: bool = False
    wide_arithmetic: bool = False
    custom_page_sizes: bool = False
    custom_descriptors: bool = False
    legacy_exceptions: bool = False

    @classmethod
    def profile(cls, name: str) -> Features:
        try:
            return PROFILES[name]
        except KeyError:
            raise ValueError(
                f"unknown profile {name!r} (choose from {', '.join(PROFILES)})"
            ) from None

    @classmethod
    def parse(cls, text: str) -> Features:
        """``"2.0"``, ``"mvp,+simd"``, ``"3.0,-gc,-exceptions"``: a profile
        followed by flags to add (``+name`` or ``name``) or remove (``-name``)."""
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if not parts:
            raise ValueError("empty feature description")
        feats = cls.profile(parts[0]) if parts[0] in PROFILES else cls.profile("2.0")
        for part in parts[1:] if parts[0] in PROFILES else parts:
            feats = feats.with_flag(part)
        return feats

    def with_flag(self, flag: str) -> Features:
        enable = not flag.startswith("-")
        name = flag.lstrip("+-").replace("-", "_")
        if name not in FLAG_NAMES:
            raise ValueError(f"unknown feature {name!r} (known: {', '.join(FLAG_NAMES)})")
        return replace(self, **{name: enable})

    def enabled(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name)]

    def unimplemented(self) -> list[str]:
        """Enabled flags refimpl has no implementation of at all (as opposed
        to Wasm 3.0 features it implements in part and declines construct
        by construct with ``UnsupportedFeature``)."""
        return [f for f in NOT_IMPLEMENTED if getattr(self, f)]

    @property
    def name(self) -> str:
        """The profile this equals, else the nearest profile plus flags
        (``"3.0,+threads"``), so that ``parse(f.name) == f``."""

        def diff(base: str) -> list[str]:
            return [
                ("+" if getattr(self, f) else "-") + f
                for f in FLAG_NAMES
                if getattr(self, f) != getattr(PROFILES[base], f)
            ]

        base = min(PROFILES, key=lambda p: len(diff(p)))
        return ",".join([base, *diff(base)])


FLAG_NAMES = tuple(f.name for f in fields(Features))

MVP = Features()
WASM_2_0 = replace(MVP, bulk_memory=True, reference_types=True, simd=True)
WASM_3_0 = replace(
    WASM_2_0,
    relaxed_simd=True,
    memory64=True,
    multi_memory=True,
    tail_call=True,
    extended_const=True,
    function_references=True,
    exceptions=True,
    gc=True,
)

PROFILES: dict[str, Features] = {"mvp": MVP, "2.0": WASM_2_0, "3.0": WASM_3_0}

# Flags refimpl has no implementation of at all: none today; a proposal
# added to Features before its implementation is listed here.
NOT_IMPLEMENTED: tuple[str, ...] = ()
