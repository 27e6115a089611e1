"""What a differential run finds: divergences between engines, and figures.

With several ``--engine`` options every command runs on every engine, and
the runner compares the engines' outcomes (``runner._divergences``): trap vs
no trap, the kind and category of a failure (which trap), and the values of
plain actions (and of assert_return when both engines fail it).  The first
engine judged is the reference the others are compared with.

State probes (``harness.probes``) compare more than a script asserts: each
instantiated module is rewritten to export every memory, table and global
under reserved names, and after each instantiation (a failed one too) the
runner compares what the engines hold: memory digests (bytes only on a
mismatch, to name the first differing offset), table entries (functions by
defining instance and index) and global values.  Probing is automatic when
at least two engines that can be probed run (refimpl, wasmtime; in-process
or isolated), and ``--probe off`` turns it off.  wabt's spectest-interp runs
whole scripts and can't be probed: it is compared by command outcome only.

A divergence is one way two engines disagree about one command.  A reviewed
known difference of an engine (``harness/known/ENGINE.toml``, see
``harness.known_differences``) can excuse it; it is still reported, and
counted per entry.  The run ends with the divergence report
(``report.format_differential``; ``differential`` in the JSON output).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields


@dataclass(frozen=True, slots=True)
class Divergence:
    engines: tuple[str, str]
    # outcome | category | values | memory | table | global | instance
    aspect: str
    detail: str
    where: str = ""  # the state probed: "m3 memory 0", "spectest table" ...
    excused_by: str | None = None  # "ENGINE:ENTRY-ID" of a known difference

    def __str__(self) -> str:
        a, b = self.engines
        where = f"{self.where}: " if self.where else ""
        excused = f" [excused by {self.excused_by}]" if self.excused_by else ""
        return f"{a} vs {b}: {where}{self.detail}{excused}"

    def as_dict(self) -> dict:
        d = asdict(self)
        d["engines"] = list(self.engines)
        return d


@dataclass(slots=True)
class Figures:
    """How much a differential run compared."""

    commands_compared: int = 0  # commands at least two engines ran and were judged on
    instantiations_probed: int = 0  # instantiations after which states were compared
    instances_compared: int = 0  # instance states compared (per engine pair)
    modules_rewritten: int = 0  # distinct modules given probe exports
    memories_compared: int = 0
    memory_bytes_compared: int = 0
    table_entries_compared: int = 0
    # function entries one engine could not identify: compared as non-null only
    table_entries_unidentified: int = 0
    globals_compared: int = 0
    # what an engine could not read at all (e.g. a GC-typed global in wasmtime)
    items_unreadable: int = 0
    # probes a probe-capable engine answered with no state at all (its
    # instance went uncompared: reported, never silent)
    probes_failed: int = 0
    divergences: int = 0
    divergences_excused: int = 0
    extra: dict = field(default_factory=dict)

    def add(self, other: Figures) -> None:
        for f in fields(self):
            if f.name == "extra":
                for k, v in other.extra.items():
                    self.extra[k] = self.extra.get(k, 0) + v
            else:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def as_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        d.update(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Figures:
        names = {f.name for f in fields(cls)} - {"extra"}
        out = cls(**{k: v for k, v in d.items() if k in names})
        out.extra = {k: v for k, v in d.items() if k not in names}
        return out

    def any(self) -> bool:
        """Whether anything was compared (cheap: called once per command)."""
        return bool(
            self.commands_compared
            or self.instantiations_probed
            or self.modules_rewritten
            or self.divergences
            or self.extra
        )
