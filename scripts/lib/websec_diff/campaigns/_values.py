"""Canonical forms for comparing decoded values across the implementations (NaN, -0.0, types kept)."""
from __future__ import annotations

import math


def canon(v):
    if isinstance(v, bool) or v is None:
        return (type(v).__name__, v)
    if isinstance(v, float):
        return ("float", "nan" if math.isnan(v) else repr(v))
    if isinstance(v, int):
        return ("int", v)
    if isinstance(v, (list, tuple)):
        return (type(v).__name__, [canon(x) for x in v])
    if isinstance(v, dict):
        return ("dict", [(canon(k), canon(x)) for k, x in v.items()])
    return (type(v).__name__, v)
