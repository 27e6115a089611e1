"""Execution (spec chapter 4): numerics, instructions, instantiation."""

from __future__ import annotations


def make_executor(name: str, store):
    """The executor named ``name`` for ``store``."""
    if name == "interpreter":
        from .interpreter import Interpreter

        return Interpreter(store)
    if name == "compiled":
        from .compiler import CompiledExecutor

        return CompiledExecutor(store)
    raise ValueError(f"unknown executor {name!r}")
