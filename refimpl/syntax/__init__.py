"""Abstract syntax (spec chapter 2): types, instructions, modules."""
