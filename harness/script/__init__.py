"""Spec scripts: the command model, and loading .wast files through a converter."""

from .commands import Script
from .convert import CONVERTERS, ConversionError, load_script

__all__ = ["CONVERTERS", "ConversionError", "Script", "load_script"]
