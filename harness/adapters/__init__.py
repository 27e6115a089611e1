"""Adapters shipped for real runtimes (V8 through Node, pywasm, ...).

Each is an engine by name (``--engine v8``) built on the same interfaces a
downstream runtime's own adapter uses: the engine protocol for programs
(``v8/adapter.mjs``), ``harness.engines.Engine`` in process (``pywasm``).
"""
