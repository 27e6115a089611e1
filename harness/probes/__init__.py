"""Full-state probes for differential runs.

Every instantiated module is rewritten (``rewrite``) to export each of its
memories, tables and globals under reserved names, and one accessor that
returns any of its declared functions by index; after each
instantiation the runner asks every engine for the state it can reach
through those exports (``state``) and compares it across engines
(``compare``), so a difference in instantiation semantics shows even where
no assertion looks.
"""

from .rewrite import PROBE_PREFIX, ModuleShape, module_shape, parse_probe_name, probe_binary

__all__ = ["PROBE_PREFIX", "ModuleShape", "module_shape", "parse_probe_name", "probe_binary"]
