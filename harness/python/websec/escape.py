"""websec.escape — markupsafe's escape, escape_silent, soft_str and Markup; html.unescape, striptags, Jinja's
|tojson and |xmlattr (websec/escape.hpp).

``Markup`` is a ``str`` subclass exactly as markupsafe 3.0 defines it: its operations escape the other operand
(``+``, ``%``, ``format``, ``format_map``, ``join``, ``replace``, ``ljust``/``rjust``/``center``), its str methods return
Markup, ``__html__`` returns the object itself and ``__html_format__`` refuses a format spec. ``%`` and ``format``
run Python's own string formatting (so ``%(name)s``, ``%d``, ``%r``, ``%.2f``, ``{0[i]}``, ``{0.attr}``, ``{0:>5}``
and ``__format__``/``__html_format__`` of any object behave as in Python); every value they insert goes through the
library's escape. ``escape`` returns Markup for every object, as markupsafe does: bytes are ``str()``-converted
first (``escape(b"<")`` is ``Markup("b&#39;&lt;&#39;")``); ``escape_bytes`` is the library's byte-wise kernel (bytes
in, bytes out).

The library's own markup (websec::escape::markup, for C++ callers: percent, percent_mapping, percent_one and
format implement the same semantics over typed operands) is ``websec._websec.escape.Markup``; the differential
campaign holds both to markupsafe.

Profiles (docs/spec.md §3.1): the names above are markupsafe 3.0's (profile 'upstream'). ``for_profile("debian")``
gives the same names as markupsafe 2.1.2 (Debian 12) defines them: there ``format_map`` is str's (no escaping,
returns str); every str argument of the wrapped str methods is escaped (``replace``'s ``old`` too, ``strip``'s
``chars``, ``partition``'s separator); ``casefold``, ``removeprefix`` and ``removesuffix`` return str; ``*`` with a
non-int gives NotImplemented; and ``striptags`` is the regex version.
"""
from __future__ import annotations

import string as _string

from ._websec import escape as _c
from ._websec.escape import (active_kernel, collapse_whitespace, escape_with, escaped_size, htmlsafe_json,  # noqa: F401
                             is_escape_free, kernels, python_repr, striptags, unescape)

_escape_text = _c.escape  # str -> str, bytes-like -> bytes (the library's kernels)

__all__ = ["Markup", "EscapeFormatter", "escape", "escape_silent", "escape_bytes", "soft_str", "unescape",
           "striptags", "tojson", "xmlattr", "htmlsafe_json", "collapse_whitespace", "escaped_size", "is_escape_free",
           "kernels", "active_kernel", "escape_with", "python_repr", "for_profile"]


def escape(s, /):
    """markupsafe.escape: ``& < > ' "`` become ``&amp; &lt; &gt; &#39; &#34;``, nothing else changes, and the result
    is Markup. An object with ``__html__`` gives ``Markup(s.__html__())`` (no double escaping); anything else,
    bytes included, is ``str()``-converted first."""
    if type(s) is str:
        return Markup(_escape_text(s))
    if hasattr(s, "__html__"):
        return Markup(s.__html__())
    return Markup(_escape_text(str(s)))


def escape_bytes(b, /):
    """The library's byte-wise escape of bytes-like input (``& < > ' "`` as escape does, every other byte kept, no
    decoding): bytes in, bytes out. Not a markupsafe function: markupsafe's escape of bytes escapes their repr."""
    if not isinstance(b, (bytes, bytearray, memoryview)):
        raise TypeError(f"escape_bytes() argument must be bytes-like, not {type(b).__name__}")
    return _escape_text(b)


def escape_silent(s, /):
    """markupsafe.escape_silent: like escape, but None gives ``Markup('')``."""
    if s is None:
        return Markup()
    return escape(s)


def soft_str(s, /):
    """markupsafe.soft_str: ``str(s)`` unless s is already a str (a Markup stays Markup, so it is not escaped
    again)."""
    if not isinstance(s, str):
        return str(s)
    return s


class Markup(str):
    """markupsafe.Markup: a string that is safe to insert into HTML, because it was escaped or marked safe.

    ``Markup(obj)`` trusts ``obj`` (its ``__html__()`` when it has one); ``Markup.escape(obj)`` escapes it. The other
    operand of ``+``, ``%``, ``format``, ``format_map`` and ``join`` is escaped unless it is markup itself."""

    __slots__ = ()

    def __new__(cls, object="", encoding=None, errors="strict"):  # noqa: A002 - markupsafe's name
        if hasattr(object, "__html__"):
            object = object.__html__()
        if encoding is None:
            return super().__new__(cls, object)
        return super().__new__(cls, object, encoding, errors)

    def __html__(self, /):
        return self

    def __add__(self, value, /):
        if isinstance(value, str) or hasattr(value, "__html__"):
            return self.__class__(super().__add__(self.escape(value)))
        return NotImplemented

    def __radd__(self, value, /):
        if isinstance(value, str) or hasattr(value, "__html__"):
            return self.escape(value).__add__(self)
        return NotImplemented

    def __mul__(self, value, /):
        return self.__class__(super().__mul__(value))

    def __rmul__(self, value, /):
        return self.__class__(super().__mul__(value))

    def __mod__(self, value, /):
        if isinstance(value, tuple):
            value = tuple(_MarkupEscapeHelper(x, self.escape) for x in value)
        elif hasattr(type(value), "__getitem__") and not isinstance(value, str):
            value = _MarkupEscapeHelper(value, self.escape)
        else:
            value = (_MarkupEscapeHelper(value, self.escape),)
        return self.__class__(super().__mod__(value))

    def __repr__(self, /):
        return f"{self.__class__.__name__}({super().__repr__()})"

    def join(self, iterable, /):
        return self.__class__(super().join(map(self.escape, iterable)))

    def split(self, /, sep=None, maxsplit=-1):
        return [self.__class__(v) for v in super().split(sep, maxsplit)]

    def rsplit(self, /, sep=None, maxsplit=-1):
        return [self.__class__(v) for v in super().rsplit(sep, maxsplit)]

    def splitlines(self, /, keepends=False):
        return [self.__class__(v) for v in super().splitlines(keepends)]

    def unescape(self, /):
        """html.unescape of the text (a plain str): the full HTML5 named-reference table, Python's numeric rules."""
        return unescape(str(self))

    def striptags(self, /, profile="upstream"):
        """Comments, then tags removed, whitespace collapsed as ``" ".join(s.split())``, then unescaped (a plain
        str). profile='debian' is markupsafe 2.1.2's regex version (differs only for comments that removal
        creates)."""
        return striptags(str(self), profile=profile)

    @classmethod
    def escape(cls, s, /):
        """Escapes s and returns an instance of this class (a Markup or __html__ object is not escaped again)."""
        rv = escape(s)
        if rv.__class__ is not cls:
            return cls(rv)
        return rv

    def __getitem__(self, key, /):
        return self.__class__(super().__getitem__(key))

    def capitalize(self, /):
        return self.__class__(super().capitalize())

    def title(self, /):
        return self.__class__(super().title())

    def lower(self, /):
        return self.__class__(super().lower())

    def upper(self, /):
        return self.__class__(super().upper())

    def replace(self, old, new, count=-1, /):
        return self.__class__(super().replace(old, self.escape(new), count))

    def ljust(self, width, fillchar=" ", /):
        return self.__class__(super().ljust(width, self.escape(fillchar)))

    def rjust(self, width, fillchar=" ", /):
        return self.__class__(super().rjust(width, self.escape(fillchar)))

    def lstrip(self, chars=None, /):
        return self.__class__(super().lstrip(chars))

    def rstrip(self, chars=None, /):
        return self.__class__(super().rstrip(chars))

    def center(self, width, fillchar=" ", /):
        return self.__class__(super().center(width, self.escape(fillchar)))

    def strip(self, chars=None, /):
        return self.__class__(super().strip(chars))

    def translate(self, table, /):
        return self.__class__(super().translate(table))

    def expandtabs(self, /, tabsize=8):
        return self.__class__(super().expandtabs(tabsize))

    def swapcase(self, /):
        return self.__class__(super().swapcase())

    def zfill(self, width, /):
        return self.__class__(super().zfill(width))

    def casefold(self, /):
        return self.__class__(super().casefold())

    def removeprefix(self, prefix, /):
        return self.__class__(super().removeprefix(prefix))

    def removesuffix(self, suffix, /):
        return self.__class__(super().removesuffix(suffix))

    def partition(self, sep, /):
        left, sep, right = super().partition(sep)
        cls = self.__class__
        return cls(left), cls(sep), cls(right)

    def rpartition(self, sep, /):
        left, sep, right = super().rpartition(sep)
        cls = self.__class__
        return cls(left), cls(sep), cls(right)

    def format(self, *args, **kwargs):
        """str.format with every inserted value escaped (``__html_format__``/``__html__`` honoured)."""
        formatter = EscapeFormatter(self.escape)
        return self.__class__(formatter.vformat(self, args, kwargs))

    def format_map(self, mapping, /):
        """str.format_map with every inserted value escaped."""
        formatter = EscapeFormatter(self.escape)
        return self.__class__(formatter.vformat(self, (), mapping))

    def __html_format__(self, format_spec, /):
        if format_spec:
            raise ValueError("Unsupported format specification for Markup.")
        return self


class EscapeFormatter(_string.Formatter):
    """string.Formatter that escapes each formatted field: ``__html_format__(spec)`` when the value has it, its
    ``__html__()`` when it has no spec, else ``format(value, spec)`` escaped."""

    __slots__ = ("escape",)

    def __init__(self, escape):
        self.escape = escape
        super().__init__()

    def format_field(self, value, format_spec):
        if hasattr(value, "__html_format__"):
            rv = value.__html_format__(format_spec)
        elif hasattr(value, "__html__"):
            if format_spec:
                raise ValueError(
                    f"Format specifier {format_spec} given, but {type(value)} does not"
                    " define __html_format__. A class that defines __html__ must define"
                    " __html_format__ to work with format specifiers."
                )
            rv = value.__html__()
        else:
            rv = super().format_field(value, str(format_spec))
        return str(self.escape(rv))


class _MarkupEscapeHelper:
    """An argument of Markup.__mod__: str() and repr() escaped, int() and float() of the object, [key] wraps."""

    __slots__ = ("obj", "escape")

    def __init__(self, obj, escape):
        self.obj = obj
        self.escape = escape

    def __getitem__(self, key, /):
        return self.__class__(self.obj[key], self.escape)

    def __str__(self, /):
        return str(self.escape(self.obj))

    def __repr__(self, /):
        return str(self.escape(repr(self.obj)))

    def __int__(self, /):
        return int(self.obj)

    def __float__(self, /):
        return float(self.obj)


def tojson(value, indent=None):
    """Jinja's |tojson under Flask: json.dumps(value, sort_keys=True, ensure_ascii=True[, indent]) with < > & '
    replaced by \\u003c \\u003e \\u0026 \\u0027, as Markup (\" is not replaced: unsafe in a double-quoted
    attribute). TypeError for values json cannot serialise."""
    return Markup(_c.tojson(value, indent))


def xmlattr(items, autospace=True):
    """Jinja's |xmlattr: items (a dict or (key, value) pairs) with None values skipped;
    escape(key)="escape(value)" joined by spaces (leading space with autospace), as Markup. ValueError for a key
    with whitespace, /, > or =."""
    return Markup(str(_c.xmlattr(items, autospace)))


# ----------------------------------------------------------------------------------------------- profile 'debian'

def _escape_args(items, escape):
    """markupsafe 2.1.2's _escape_argspec: every str or __html__ argument escaped, the others kept."""
    return [escape(v) if isinstance(v, str) or hasattr(v, "__html__") else v for v in items]


def _wrapped_212(name):
    """A str method as markupsafe 2.1.2 wraps it: str and __html__ arguments (positional and keyword) escaped,
    the result as the class."""
    orig = getattr(str, name)

    def method(self, *args, **kwargs):
        args = _escape_args(args, self.escape)
        kwargs = dict(zip(kwargs, _escape_args(kwargs.values(), self.escape)))
        return self.__class__(orig(self, *args, **kwargs))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = orig.__doc__
    return method


class _Markup212(Markup):
    """markupsafe 2.1.2's Markup (Debian 12), a subclass of the upstream class so that either is Markup to the
    other. Its repr and __name__ are Markup's."""

    __slots__ = ()

    for _name in ("__getitem__", "capitalize", "title", "lower", "upper", "replace", "ljust", "rjust", "lstrip",
                  "rstrip", "center", "strip", "translate", "expandtabs", "swapcase", "zfill"):
        locals()[_name] = _wrapped_212(_name)
    del _name

    def __mul__(self, num, /):
        if isinstance(num, int):
            return self.__class__(str.__mul__(self, num))
        return NotImplemented

    __rmul__ = __mul__

    def casefold(self, /):
        return str.casefold(self)

    def removeprefix(self, prefix, /):
        return str.removeprefix(self, prefix)

    def removesuffix(self, suffix, /):
        return str.removesuffix(self, suffix)

    def partition(self, sep, /):
        left, sep, right = str.partition(self, self.escape(sep))
        cls = self.__class__
        return cls(left), cls(sep), cls(right)

    def rpartition(self, sep, /):
        left, sep, right = str.rpartition(self, self.escape(sep))
        cls = self.__class__
        return cls(left), cls(sep), cls(right)

    def format_map(self, mapping, /):
        return str.format_map(self, mapping)

    def striptags(self, /, profile="debian"):
        return striptags(str(self), profile=profile)

    @classmethod
    def escape(cls, s, /):
        rv = escape(s)
        return rv if rv.__class__ is cls else cls(rv)


_Markup212.__name__ = _Markup212.__qualname__ = "Markup"


def _escape_212(s, /):
    """markupsafe 2.1.2's escape: the same text as escape, as that profile's Markup."""
    return _Markup212(escape(s))


def _escape_silent_212(s, /):
    return _Markup212() if s is None else _escape_212(s)


class _Profile:
    """The markupsafe names of one profile: Markup, escape, escape_silent, soft_str, EscapeFormatter."""

    __slots__ = ("name", "Markup", "escape", "escape_silent", "soft_str", "EscapeFormatter")

    def __init__(self, name, markup, esc, esc_silent):
        self.name, self.Markup, self.escape, self.escape_silent = name, markup, esc, esc_silent
        self.soft_str, self.EscapeFormatter = soft_str, EscapeFormatter

    def __repr__(self):
        return f"<websec.escape profile {self.name!r}>"


_PROFILES = {
    "upstream": _Profile("upstream", Markup, escape, escape_silent),
    "debian": _Profile("debian", _Markup212, _escape_212, _escape_silent_212),
}


def for_profile(profile="upstream"):
    """markupsafe's public names as one profile defines them: ``for_profile("debian").Markup`` is markupsafe
    2.1.2's class (Debian 12), ``for_profile("upstream")`` the module's own (markupsafe 3.0). ValueError for any
    other name."""
    try:
        return _PROFILES[profile]
    except KeyError:
        raise ValueError(f"unknown profile {profile!r} (expected 'upstream' or 'debian')") from None
