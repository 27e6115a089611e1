"""The interpreter's instructions, one module per family of spec 4.4.

Each module defines handlers ``handler(frame, ins) -> next pc or None`` and
``LOWERINGS``, which turn a decoded instruction into lowered tuples.
"""
