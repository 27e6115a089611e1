"""Validation (spec chapter 3): ``validate_module``.

Layout after the spec interpreter's ``valid/valid.ml``: ``context`` (3.1),
``types`` (3.2), ``instructions`` (3.3, with the appendix's algorithm),
``constants`` (3.3.10) and ``module`` (3.4).

Executors that validate lazily, one function at a time, use
``module_context`` once and then ``validate_function`` per function; it
checks and records nothing else (no annotations on instructions).
"""

from . import exceptions, references  # noqa: F401  (they register their rules)
from .context import Context
from .module import declared_funcs, module_context, validate_function, validate_module

__all__ = [
    "Context",
    "declared_funcs",
    "module_context",
    "validate_function",
    "validate_module",
]
