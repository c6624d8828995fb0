"""Regression files of the campaigns: one JSON document per case, exact and readable.

{"differential": "<campaign>", "case": <case>} where Python values JSON cannot hold are tagged:
bytes {"$b": hex}, tuple {"$t": [...]}, datetime {"$dt": isoformat}, timedelta {"$td": seconds},
UUID {"$u": hex}, Markup {"$m": text}, non-finite float {"$f": "nan"|"inf"|"-inf"}, dict with non-str keys
{"$d": [[k, v], ...]}. The fuzz target of the corpus folder reads the file as raw bytes too (harmless).
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import uuid

import markupsafe

PREFIX = b'{"differential":'


def _enc(v):
    if isinstance(v, markupsafe.Markup):
        return {"$m": str(v)}
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"$b": bytes(v).hex()}
    if isinstance(v, tuple):
        return {"$t": [_enc(x) for x in v]}
    if isinstance(v, list):
        return [_enc(x) for x in v]
    if isinstance(v, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in v):
            return {k: _enc(x) for k, x in v.items()}
        return {"$d": [[_enc(k), _enc(x)] for k, x in v.items()]}
    if isinstance(v, _dt.datetime):
        return {"$dt": v.isoformat()}
    if isinstance(v, _dt.timedelta):
        return {"$td": v.total_seconds()}
    if isinstance(v, uuid.UUID):
        return {"$u": v.hex}
    if isinstance(v, float) and not math.isfinite(v):
        return {"$f": repr(v)}
    if isinstance(v, str):
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates
            return {"$s": v.encode("utf-8", "surrogatepass").hex()}
    return v


def _dec(v):
    if isinstance(v, list):
        return [_dec(x) for x in v]
    if isinstance(v, dict):
        if len(v) == 1:
            (k, x), = v.items()
            if k == "$b":
                return bytes.fromhex(x)
            if k == "$t":
                return tuple(_dec(y) for y in x)
            if k == "$d":
                return {_dec(a): _dec(b) for a, b in x}
            if k == "$dt":
                return _dt.datetime.fromisoformat(x)
            if k == "$td":
                return _dt.timedelta(seconds=x)
            if k == "$u":
                return uuid.UUID(hex=x)
            if k == "$m":
                return markupsafe.Markup(x)
            if k == "$f":
                return float(x)
            if k == "$s":
                return bytes.fromhex(x).decode("utf-8", "surrogatepass")
        return {k: _dec(x) for k, x in v.items()}
    return v


def dumps(campaign: str, case) -> bytes:
    return (PREFIX.decode() + " " + json.dumps(campaign) + ', "case": '
            + json.dumps(_enc(case), ensure_ascii=False, indent=1) + "}\n").encode()


def loads(data: bytes):
    """(campaign, case) for a regression file, or None when the bytes are not one."""
    if not data.startswith(PREFIX):
        return None
    try:
        doc = json.loads(data)
    except ValueError:
        return None
    return doc.get("differential"), _dec(doc.get("case"))
