"""The binary format (spec chapter 5): ``decode_module``.

Layout after the spec interpreter's ``binary/decode.ml``: ``reader``
(values, spec 5.2), ``types`` (5.3), ``instructions`` (5.4) and ``module``
(5.5).
"""

from .module import decode_module

__all__ = ["decode_module"]
