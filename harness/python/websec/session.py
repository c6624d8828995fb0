"""websec.session — Flask's signed cookie session (SecureCookieSessionInterface + TaggedJSONSerializer) from the
library (websec/session.hpp), and Flask's tag system (flask.json.tag) for custom tags.

``TaggedJSONSerializer`` has Flask's ``tags``, ``order``, ``register(tag_class, force=False, index=None)``, ``tag``,
``untag``, ``dumps`` and ``loads``; the tag classes (``JSONTag``, ``TagDict``, ``PassDict``, ``TagTuple``,
``PassList``, ``TagBytes``, ``TagMarkup``, ``TagUUID``, ``TagDateTime``) are Flask's. With only the default tags,
dumps and loads are one call into the library; with custom tags the tagging walks the value as Flask does and the
library writes and reads the JSON. dumps writes what a Flask app writes into its session cookie (inside an app
context: sorted keys, ASCII, compact separators).
"""
from __future__ import annotations

import base64 as _base64
from datetime import datetime as _datetime, timezone as _timezone
from email.utils import parsedate_to_datetime as _parsedate_to_datetime
from uuid import UUID as _UUID

from . import json as _json
from ._websec import session as _c
from ._websec.session import *  # noqa: F401,F403
from ._websec.session import tagged_dumps as _tagged_dumps, tagged_loads as _tagged_loads

__all__ = [n for n in dir(_c) if not n.startswith("_")] + [
    "JSONTag", "TagDict", "PassDict", "TagTuple", "PassList", "TagBytes", "TagMarkup", "TagUUID", "TagDateTime",
    "TaggedJSONSerializer", "session_json_serializer"]


def _http_date(value):
    from . import cookie as _cookie
    return _cookie.http_date(value)


def _parse_date(value):
    """werkzeug.http.parse_date: an aware UTC datetime, or None."""
    if not value:
        return None
    try:
        dt = _parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=_timezone.utc)
    return dt


class JSONTag:
    """flask.json.tag.JSONTag: base of a tag. key: the one-key dict marker (None for pass-through tags)."""

    __slots__ = ("serializer",)
    key = None

    def __init__(self, serializer):
        self.serializer = serializer

    def check(self, value):
        raise NotImplementedError

    def to_json(self, value):
        raise NotImplementedError

    def to_python(self, value):
        raise NotImplementedError

    def tag(self, value):
        return {self.key: self.to_json(value)}


class TagDict(JSONTag):
    """A one-key dict whose key is a tag key: the key gets a '__' suffix."""

    __slots__ = ()
    key = " di"

    def check(self, value):
        return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in self.serializer.tags

    def to_json(self, value):
        key = next(iter(value))
        return {f"{key}__": self.serializer.tag(value[key])}

    def to_python(self, value):
        key = next(iter(value))
        return {key[:-2]: value[key]}


class PassDict(JSONTag):
    __slots__ = ()

    def check(self, value):
        return isinstance(value, dict)

    def to_json(self, value):
        return {k: self.serializer.tag(v) for k, v in value.items()}

    tag = to_json


class TagTuple(JSONTag):
    __slots__ = ()
    key = " t"

    def check(self, value):
        return isinstance(value, tuple)

    def to_json(self, value):
        return [self.serializer.tag(item) for item in value]

    def to_python(self, value):
        return tuple(value)


class PassList(JSONTag):
    __slots__ = ()

    def check(self, value):
        return isinstance(value, list)

    def to_json(self, value):
        return [self.serializer.tag(item) for item in value]

    tag = to_json


class TagBytes(JSONTag):
    __slots__ = ()
    key = " b"

    def check(self, value):
        return isinstance(value, bytes)

    def to_json(self, value):
        return _base64.b64encode(value).decode("ascii")

    def to_python(self, value):
        return _base64.b64decode(value)


class TagMarkup(JSONTag):
    """An object with __html__ (a Markup) serialised as its __html__() and read back as Markup."""

    __slots__ = ()
    key = " m"

    def check(self, value):
        return callable(getattr(value, "__html__", None))

    def to_json(self, value):
        return str(value.__html__())

    def to_python(self, value):
        from .escape import Markup
        return Markup(value)


class TagUUID(JSONTag):
    __slots__ = ()
    key = " u"

    def check(self, value):
        return isinstance(value, _UUID)

    def to_json(self, value):
        return value.hex

    def to_python(self, value):
        return _UUID(value)


class TagDateTime(JSONTag):
    __slots__ = ()
    key = " d"

    def check(self, value):
        return isinstance(value, _datetime)

    def to_json(self, value):
        return _http_date(value)

    def to_python(self, value):
        return _parse_date(value)


class TaggedJSONSerializer:
    """flask.json.tag.TaggedJSONSerializer: JSON with tags for dict, tuple, bytes, Markup, UUID and datetime;
    register() adds custom tags."""

    __slots__ = ("tags", "order")

    default_tags = [TagDict, PassDict, TagTuple, PassList, TagBytes, TagMarkup, TagUUID, TagDateTime]

    def __init__(self):
        self.tags = {}
        self.order = []
        for cls in self.default_tags:
            self.register(cls)

    def register(self, tag_class, force=False, index=None):
        """Registers a tag class (instantiated with this serializer). KeyError when its key is taken and not
        force; index: its place in the order (default last)."""
        tag = tag_class(self)
        key = tag.key
        if key is not None:
            if not force and key in self.tags:
                raise KeyError(f"Tag '{key}' is already registered.")
            self.tags[key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)

    def _default_only(self):
        return [type(t) for t in self.order] == _DEFAULT_TAGS and all(
            self.tags.get(t.key) is t for t in self.order if t.key is not None) and len(self.tags) == _DEFAULT_KEYS

    def tag(self, value):
        """The tagged representation of value."""
        for tag in self.order:
            if tag.check(value):
                return tag.tag(value)
        return value

    def untag(self, value):
        """The value a tagged one-key dict stands for (other dicts unchanged)."""
        if len(value) != 1:
            return value
        key = next(iter(value))
        if key not in self.tags:
            return value
        return self.tags[key].to_python(value[key])

    def _untag_scan(self, value):
        # json.loads(object_hook=untag): every dict, innermost first
        if isinstance(value, dict):
            return self.untag({k: self._untag_scan(v) for k, v in value.items()})
        if isinstance(value, list):
            return [self._untag_scan(item) for item in value]
        return value

    def dumps(self, value):
        """Tags value and writes compact JSON (sorted keys, ASCII, as a Flask app writes its session)."""
        if self._default_only():
            return _tagged_dumps(value)
        return _json.dumps(self.tag(value), separators=(",", ":"), sort_keys=True)

    def loads(self, value):
        """Reads JSON and turns tagged objects back into Python values."""
        if self._default_only():
            return _tagged_loads(value)
        return self._untag_scan(_json.loads(value))


_DEFAULT_TAGS = list(TaggedJSONSerializer.default_tags)
_DEFAULT_KEYS = sum(1 for c in _DEFAULT_TAGS if c.key is not None)

session_json_serializer = TaggedJSONSerializer()
