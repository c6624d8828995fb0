"""Request bodies and attack values that scenarios build with ``${...}`` expressions.

Body generators return a :class:`Body`: the bytes to send, the content type, whether to send them chunked,
and ``expr`` — the canonical call that rebuilds them (``multipart(fields=1001)``), used by the reproduction
commands (``python3 -m websec_conform body 'multipart(fields=1001)'`` prints the same bytes). Boundaries are
fixed, so a body is reproducible byte for byte.

Cookie helpers build malformed or forged values (bit flips, swapped segments, zlib bombs). Forged cookies
with a key are signed by the C++ library through :mod:`judge`.
"""
from __future__ import annotations

import base64
import json as _json
import time
import zlib
from dataclasses import dataclass, field as dc_field
from typing import Any, Callable

from . import judge

BOUNDARY = "websecconformboundary7MA4YWxk"
MAX_BODY = 64 * 1024 * 1024  # never build more than this in memory


class GeneratorError(ValueError):
    pass


@dataclass
class Body:
    data: bytes
    content_type: str | None
    expr: str
    chunked: bool = False
    chunk_size: int = 8192
    # multipart/urlencoded bodies can take extra leading fields (the CSRF token) after the fact
    rebuild: Callable[[list[tuple[str, str]]], bytes] | None = dc_field(default=None, repr=False)
    kind: str = "raw"

    def with_fields(self, extra: list[tuple[str, str]]) -> "Body":
        if not extra:
            return self
        if self.rebuild is None:
            raise GeneratorError(f"cannot add form fields to {self.expr}")
        base = self.rebuild
        extra = list(extra)
        return Body(base(extra), self.content_type, self.expr, self.chunked, self.chunk_size,
                    lambda more: base(extra + list(more)), self.kind)

    def __len__(self) -> int:
        return len(self.data)


def _call(_fn: str, **kw) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items() if v is not None)
    return f"{_fn}({args})"


def _check_size(n: int, what: str = "size") -> int:
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise GeneratorError(f"{what} must be a non-negative integer, got {n!r}")
    if n > MAX_BODY:
        raise GeneratorError(f"{what} {n} exceeds the cap of {MAX_BODY} bytes")
    return n


def _to_bytes(v: Any) -> bytes:
    if isinstance(v, bytes):
        return v
    return str(v).encode("utf-8")


# ---------------------------------------------------------------------------------------------- multipart

def _mp_part(name: str, value: bytes, filename: str | None = None, ctype: str | None = None,
             extra_headers: bytes = b"") -> bytes:
    disp = f'form-data; name="{name}"'
    if filename is not None:
        disp += f'; filename="{filename}"'
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disp}\r\n".encode("utf-8")
    if ctype:
        head += f"Content-Type: {ctype}\r\n".encode("utf-8")
    return head + extra_headers + b"\r\n" + value + b"\r\n"


def _mp_body(parts: list[bytes], extra: list[tuple[str, str]]) -> bytes:
    pre = [_mp_part(k, _to_bytes(v)) for k, v in extra]
    return b"".join(pre + parts) + f"--{BOUNDARY}--\r\n".encode()


def multipart(fields: int = 0, field_size: int = 1, files: int = 0, file_size: int = 1,
              file_name: str = "f.bin", file_type: str = "application/octet-stream",
              values: dict | None = None, parts: int | None = None) -> Body:
    """``fields`` text fields ``f0..`` of ``field_size`` bytes, then ``files`` file parts ``file0..`` of
    ``file_size`` bytes, then the named ``values`` (text fields) — in that order. ``parts=N`` is N one-byte
    text fields (``multipart(parts=1001)``)."""
    if parts is not None:
        fields = parts
    _check_size(fields, "fields")
    _check_size(files, "files")
    _check_size(field_size, "field_size")
    _check_size(file_size, "file_size")
    if fields * (field_size + 80) + files * (file_size + 120) > MAX_BODY:
        raise GeneratorError("multipart body would exceed the cap")
    fv = b"x" * field_size
    parts = [_mp_part(f"f{i}", fv) for i in range(fields)]
    filev = b"y" * file_size
    parts += [_mp_part(f"file{i}" if files > 1 else "file", filev, file_name, file_type) for i in range(files)]
    for k, v in (values or {}).items():
        parts.append(_mp_part(str(k), _to_bytes(v)))
    rebuild = lambda extra: _mp_body(parts, extra)  # noqa: E731
    return Body(rebuild([]), f"multipart/form-data; boundary={BOUNDARY}",
                _call("multipart", fields=fields or None, field_size=field_size if fields else None,
                      files=files or None, file_size=file_size if files else None,
                      file_name=file_name if files else None, file_type=file_type if files else None,
                      values=values or None), rebuild=rebuild, kind="multipart")


def field(size: int, name: str = "big") -> Body:
    """One multipart text field of ``size`` bytes."""
    _check_size(size)
    parts = [_mp_part(name, b"x" * size)]
    rebuild = lambda extra: _mp_body(parts, extra)  # noqa: E731
    return Body(rebuild([]), f"multipart/form-data; boundary={BOUNDARY}", _call("field", size=size, name=name),
                rebuild=rebuild, kind="multipart")


def upload(name: str = "x.txt", content: Any = "hello", type: str | None = None, field: str = "file") -> Body:  # noqa: A002
    """A multipart body with one file part (the ``upload`` role's ``file``)."""
    data = _to_bytes(content)
    _check_size(len(data))
    parts = [_mp_part(field, data, name, type)]
    rebuild = lambda extra: _mp_body(parts, extra)  # noqa: E731
    return Body(rebuild([]), f"multipart/form-data; boundary={BOUNDARY}",
                _call("upload", name=name, content=data.decode("utf-8", "replace"), type=type, field=field),
                rebuild=rebuild, kind="multipart")


def header_bomb(size: int) -> Body:
    """A part whose header block is ``size`` bytes long and never ends with a blank line."""
    _check_size(size)
    data = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: ".encode()
            + b"p" * size + f"\r\n--{BOUNDARY}--\r\n".encode())
    return Body(data, f"multipart/form-data; boundary={BOUNDARY}", _call("header_bomb", size=size), kind="raw")


def chunked(total: int, chunk: int = 8192) -> Body:
    """A multipart body of ``total`` bytes (one file part) sent with ``Transfer-Encoding: chunked``."""
    _check_size(total)
    overhead = len(_mp_body([_mp_part("file", b"", "blob.bin", "application/octet-stream")], []))
    fill = max(0, total - overhead)
    parts = [_mp_part("file", b"z" * fill, "blob.bin", "application/octet-stream")]
    rebuild = lambda extra: _mp_body(parts, extra)  # noqa: E731
    return Body(rebuild([]), f"multipart/form-data; boundary={BOUNDARY}", _call("chunked", total=total, chunk=chunk),
                chunked=True, chunk_size=int(chunk), rebuild=rebuild, kind="multipart")


def sized(total: int) -> Body:
    """A multipart body of exactly ``total`` bytes (one file part), sent with a Content-Length."""
    b = chunked(total)
    if len(b.data) != total:
        raise GeneratorError(f"cannot build a multipart body of exactly {total} bytes")
    return Body(b.data, b.content_type, _call("sized", total=total), rebuild=b.rebuild, kind="multipart")


# ---------------------------------------------------------------------------------------------- other bodies

def urlencoded(size: int, name: str = "a") -> Body:
    """An ``application/x-www-form-urlencoded`` body of exactly ``size`` bytes (one field)."""
    _check_size(size)
    head = f"{name}=".encode()
    data = head + b"x" * max(0, size - len(head))
    return Body(data, "application/x-www-form-urlencoded", _call("urlencoded", size=size, name=name), kind="raw")


def form(**fields_: Any) -> Body:
    """An urlencoded form with the given fields (values percent-encoded)."""
    from urllib.parse import urlencode

    def rebuild(extra):
        return urlencode(list(extra) + [(k, _to_bytes(v)) for k, v in fields_.items()]).encode("ascii")
    return Body(rebuild([]), "application/x-www-form-urlencoded", _call("form", **fields_), rebuild=rebuild,
                kind="urlencoded")


def json(value: Any) -> Body:  # noqa: A001 - the scenario-facing name
    data = _json.dumps(value).encode("utf-8")
    return Body(data, "application/json", _call("json", value=value), kind="raw")


def json_size(size: int) -> Body:
    """A JSON object ``{"pad": "xxx…"}`` of exactly ``size`` bytes."""
    _check_size(size)
    data = b'{"pad": "' + b"x" * max(0, size - 11) + b'"}'
    return Body(data, "application/json", _call("json_size", size=size), kind="raw")


def raw(text: Any, type: str | None = None) -> Body:  # noqa: A002
    """Literal bytes (a ``str`` is encoded as Latin-1, so ``\\xff`` is one byte)."""
    data = text if isinstance(text, bytes) else str(text).encode("latin-1", "replace")
    _check_size(len(data))
    return Body(data, type, _call("raw", text=data.decode("latin-1"), type=type), kind="raw")


def text(value: Any, type: str = "text/plain") -> Body:  # noqa: A002
    data = _to_bytes(value)
    return Body(data, type, _call("text", value=data.decode("utf-8", "replace"), type=type), kind="raw")


# ---------------------------------------------------------------------------------------------- cookie attacks

def b64(data: Any) -> str:
    """URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(_to_bytes(data)).rstrip(b"=").decode("ascii")


def _b64d(s: str) -> bytes:
    s = s.strip()
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64json(obj: Any) -> str:
    """The URL-safe base64 of compact JSON (an unsigned session payload segment)."""
    return b64(_json.dumps(obj, separators=(",", ":"), sort_keys=True))


def segments(cookie: str) -> list[str]:
    """The dot-separated segments of a signed value, keeping the compression prefix on the payload."""
    parts = cookie.split(".")
    if cookie.startswith(".") and len(parts) > 1:
        parts = ["." + parts[1]] + parts[2:]
    return parts


def join(parts: list[str]) -> str:
    return ".".join(parts)


def _flip_char(s: str, bit: int) -> str:
    """A cookie that is not base64 segments (a server-side session id, a custom format): change one character
    (chosen by ``bit``) to another of the same class, so the value keeps its shape."""
    if not s:
        return "x"
    i = (bit // 8) % len(s)
    c = s[i]
    alphabet = ("0123456789" if c.isdigit() else "abcdefghijklmnopqrstuvwxyz" if c.islower() else
                "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c.isupper() else "-_")
    repl = alphabet[(alphabet.index(c) + 1) % len(alphabet)] if c in alphabet else ("A" if c != "A" else "B")
    return s[:i] + repl + s[i + 1:]


def replace_segment(cookie: str, index: int, value: str) -> str:
    """Replaces one dot-separated segment. A cookie with fewer segments than ``index`` names (not an itsdangerous
    value: an unsigned payload, a server-side session id) gets the edit anyway: segment 0 is the whole value, any
    other index changes one character of it, so tamper scenarios still judge such cookies."""
    p = segments(cookie)
    if -len(p) <= index < len(p):
        p[index] = value
        return join(p)
    if index == 0 or len(p) == 1 and index == -1:
        return value
    return _flip_char(cookie, abs(index) * 8 + len(cookie) * 4)


def flip_bit(cookie: str, bit: int = 0, segment: int = -1) -> str:
    """Flips bit ``bit`` (counted from the first byte, may be negative) of the decoded ``segment``. A value that
    is not base64 segments gets one character changed instead (see replace_segment)."""
    p = segments(cookie)
    if not -len(p) <= segment < len(p):
        segment = -1
    try:
        raw_seg = bytearray(_b64d(p[segment].lstrip(".")))
    except (ValueError, TypeError):
        raw_seg = bytearray()
    if not raw_seg:
        return _flip_char(cookie, bit)
    nbits = len(raw_seg) * 8
    b = bit % nbits
    raw_seg[b // 8] ^= 0x80 >> (b % 8)
    prefix = "." if p[segment].startswith(".") else ""
    p[segment] = prefix + b64(bytes(raw_seg))
    return join(p)


def timestamp_segment(t: int) -> str:
    """The timestamp segment for Unix time ``t`` (8-byte big-endian, leading zeros dropped, base64)."""
    return b64(int(t).to_bytes(8, "big").lstrip(b"\x00"))


def zlib_bomb(size: int = 10_000_000) -> str:
    """A compressed session payload that inflates to ``size`` bytes, with a valid-looking but wrong signature."""
    _check_size(size)
    comp = zlib.compress(b'{"a":"' + b"A" * size + b'"}', 9)
    return "." + b64(comp) + "." + timestamp_segment(int(time.time())) + "." + "A" * 27


def garbage(n: int, char: str = "Q") -> str:
    _check_size(n)
    return char * n


def now() -> int:
    return int(time.time())


def forge(payload: Any, key: str, salt: str = "cookie-session", timestamp: int | None = None,
          derivation: str = "hmac", digest: str = "sha1") -> str:
    """A value signed by the C++ library with the given key and parameters (Flask's defaults)."""
    if not key:
        raise GeneratorError("forge() needs a key")
    return judge.sign_session(payload, key, salt=salt, timestamp=timestamp, key_derivation=derivation,
                              digest=digest)


def forge_csrf(raw_token: str, key: str, timestamp: int | None = None) -> str:
    """A Flask-WTF form token for ``raw_token`` (salt ``wtf-csrf-token``, django-concat, SHA-1)."""
    return forge(raw_token, key, salt="wtf-csrf-token", timestamp=timestamp, derivation="django-concat")


def is_signed(cookie: str) -> bool:
    """Whether a value looks like itsdangerous's ``payload.timestamp.signature`` (or ``payload.signature``)."""
    p = segments(cookie)
    if len(p) < 2:
        return False
    try:
        return all(_b64d(x.lstrip(".")) for x in p[-2:])
    except (ValueError, TypeError):
        return False


def decode_payload(cookie: str) -> Any:
    """The unverified payload of a session cookie (through the C++ library)."""
    return judge.decode_session(cookie)


FUNCTIONS: dict[str, Callable] = {
    f.__name__: f for f in (
        multipart, field, upload, header_bomb, chunked, sized, urlencoded, form, json, json_size, raw, text,
        b64, b64json, segments, join, replace_segment, flip_bit, timestamp_segment, zlib_bomb, garbage, now,
        forge, forge_csrf, decode_payload, is_signed)
}
FUNCTIONS.update({"len": len, "str": str, "int": int, "min": min, "max": max, "repeat": lambda s, n: s * n})
