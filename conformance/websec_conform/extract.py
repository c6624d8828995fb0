"""Extractors: what a scenario reads back from a response through a role mapping (conformance/ROLES.md §5).

An extractor is a one-key mapping: ``json`` (an RFC 6901 pointer), ``regex``, ``select`` (a CSS selector, with
``attr``), ``input`` / ``meta`` (shortcuts for form inputs and meta tags), ``cookie``, ``header`` or
``contains``. HTML is parsed with BeautifulSoup's ``html.parser`` (no regexes on markup); every input is bounded
by the transport's byte cap before it reaches here.
"""
from __future__ import annotations

import json as _json
import re
from dataclasses import dataclass, field
from typing import Any

KINDS = ("json", "regex", "select", "input", "meta", "cookie", "header", "contains")
MISSING = object()  # the extractor found nothing (distinct from a JSON null)


class ExtractError(Exception):
    """The extractor cannot be applied to this response (HTML where JSON was mapped, a bad selector...)."""


def validate(spec: Any) -> str | None:
    """None when ``spec`` is a well-formed extractor, else the reason."""
    if not isinstance(spec, dict):
        return "an extractor is a mapping with one of: " + ", ".join(KINDS)
    kinds = [k for k in spec if k in KINDS]
    extra = [k for k in spec if k not in KINDS and k != "attr"]
    if len(kinds) != 1 or extra:
        return f"an extractor has exactly one of {', '.join(KINDS)} (and attr with select); got {sorted(spec)}"
    k = kinds[0]
    v = spec[k]
    if k == "contains":
        return None if v in ("value", "canary") else "contains: takes value (the state's value) or canary"
    if not isinstance(v, str) or not v:
        return f"{k}: must be a non-empty string"
    if "attr" in spec and k != "select":
        return "attr goes with select only"
    if k == "json" and v != "" and not v.startswith("/"):
        return "json: must be an RFC 6901 pointer starting with / (e.g. /user/name)"
    if k == "regex":
        try:
            re.compile(v)
        except re.error as e:
            return f"regex: does not compile: {e}"
    if k == "select":
        try:
            import soupsieve
            soupsieve.compile(v)
        except ImportError:
            return None
        except Exception as e:  # noqa: BLE001 - soupsieve raises its own SelectorSyntaxError
            return f"select: not a valid CSS selector: {e}"
    return None


def json_pointer(doc: Any, pointer: str) -> Any:
    """RFC 6901; MISSING when a step does not exist."""
    if pointer == "":
        return doc
    cur = doc
    for raw in pointer.split("/")[1:]:
        tok = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(cur, dict):
            if tok not in cur:
                return MISSING
            cur = cur[tok]
        elif isinstance(cur, list):
            if not tok.isdigit() or int(tok) >= len(cur) or (tok != "0" and tok.startswith("0")):
                return MISSING
            cur = cur[int(tok)]
        else:
            return MISSING
    return cur


def soup(text: str):
    try:
        from bs4 import BeautifulSoup
    except ImportError as e:  # pragma: no cover - python3-bs4 is in scripts/packages.txt
        raise ExtractError("HTML extractors need BeautifulSoup (Debian package python3-bs4)") from e
    return BeautifulSoup(text, "html.parser")


def _element_text(el, attr: str | None) -> Any:
    if attr:
        v = el.get(attr)
        if v is None:
            return MISSING
        return " ".join(v) if isinstance(v, list) else str(v)
    return " ".join(el.get_text(" ").split())


def apply(spec: dict, *, body: bytes, headers: list[tuple[str, str]], cookies: dict[str, str] | None = None,
          content_type: str | None = None) -> Any:
    """The value ``spec`` reads from a response: a str/JSON value, or MISSING. Raises ExtractError when the
    response cannot be read that way (a JSON extractor on a body that is not JSON)."""
    (kind, arg), = ((k, spec[k]) for k in spec if k in KINDS)
    text = body.decode("utf-8", "replace")
    if kind == "json":
        try:
            doc = _json.loads(text) if text.strip() else None
        except ValueError:
            ctype = content_type or next((v for k, v in headers if k.lower() == "content-type"), "no type")
            raise ExtractError(f"the body is not JSON ({ctype.split(';')[0]}, {len(body)} bytes) but the role "
                               f"maps a JSON pointer {arg}") from None
        return json_pointer(doc, arg)
    if kind == "regex":
        m = re.search(arg, text)
        if not m:
            return MISSING
        return m.group(1) if m.re.groups else m.group(0)
    if kind == "header":
        for k, v in headers:
            if k.lower() == arg.lower():
                return v
        return MISSING
    if kind == "cookie":
        return (cookies or {}).get(arg, MISSING)
    if kind == "contains":
        return text
    doc = soup(text)
    if kind == "input":
        el = doc.find(lambda t: t.name in ("input", "textarea") and t.get("name") == arg)
        if el is None:
            return MISSING
        return el.get_text() if el.name == "textarea" else (el.get("value") or "")
    if kind == "meta":
        el = doc.find("meta", attrs={"name": arg})
        return MISSING if el is None else str(el.get("content") or "")
    try:
        el = doc.select_one(arg)
    except Exception as e:  # noqa: BLE001 - soupsieve's syntax errors
        raise ExtractError(f"select: {e}") from None
    return MISSING if el is None else _element_text(el, spec.get("attr"))


def shows(spec: dict, extracted: Any, value: str) -> bool:
    """Whether what ``spec`` extracted shows ``value`` (the state probe)."""
    if extracted is MISSING or extracted is None:
        return False
    if "contains" in spec or "regex" in spec or "select" in spec:
        return value in str(extracted)
    return extracted == value or str(extracted) == value


def names_user(extracted: Any, username: str) -> bool:
    """The identity extractor names this user: equal, or containing the name as a whole word."""
    if extracted is MISSING or extracted is None:
        return False
    s = str(extracted).strip()
    if s == username:
        return True
    return re.search(r"(?<![\w.@-])" + re.escape(username) + r"(?![\w@-]|\.\w)", s) is not None


# ---------------------------------------------------------------------------------------------- forms

@dataclass
class Form:
    action: str
    method: str
    enctype: str
    inputs: list[tuple[str, str, str]] = field(default_factory=list)  # (name, type, value)

    @property
    def hidden(self) -> list[tuple[str, str]]:
        return [(n, v) for n, t, v in self.inputs if t == "hidden"]

    def has_type(self, typ: str) -> bool:
        return any(t == typ for _, t, _ in self.inputs)

    def names(self) -> list[str]:
        return [n for n, _, _ in self.inputs]


def forms(text: str) -> list[Form]:
    """The forms of a page with their inputs (name, type lower-cased, value), in document order."""
    out = []
    for f in soup(text).find_all("form"):
        form = Form(str(f.get("action") or ""), str(f.get("method") or "GET").upper(),
                    str(f.get("enctype") or "application/x-www-form-urlencoded").lower())
        for el in f.find_all(["input", "textarea", "select", "button"]):
            name = el.get("name")
            if not name:
                continue
            if el.name == "textarea":
                form.inputs.append((str(name), "textarea", el.get_text()))
            elif el.name == "select":
                opt = el.find("option", selected=True) or el.find("option")
                form.inputs.append((str(name), "select", str(opt.get("value", opt.get_text())) if opt else ""))
            elif el.name == "button":
                form.inputs.append((str(name), "submit", str(el.get("value") or "")))
            else:
                form.inputs.append((str(name), str(el.get("type") or "text").lower(), str(el.get("value") or "")))
        out.append(form)
    return out
