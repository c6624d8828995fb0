"""Redaction: the one place that knows every secret of a run and takes it out of every output.

A :class:`Redactor` is built from the target profiles (``Redactor.from_target``) and learns the secrets the run
obtains (``add(value, "session cookie")``, ``add(token, "csrf token")``). Every output — the console,
report.json, report.html, junit.xml, report.sarif, report.txt and the curl reproducers — is written from values
passed through :meth:`Redactor.apply` first.

What it knows:

* profile secrets: the session ``secret_key``, ``fallback_keys`` and ``retired_keys``, every user's password
  (whatever its length), ``username:password`` (as it travels in Basic credentials), the password of userinfo in
  ``base_url``/``http_url``, and the values of the profile's ``headers:`` that carry credentials (see
  :func:`secret_header`); an ``Authorization`` value also gives its credential part and, for ``Basic``, the
  decoded ``user:password`` and password;
* runtime secrets registered during the run (session cookies, CSRF tokens).

In which forms: each character of a secret is matched as itself, percent-encoded (``quote``/``quote_plus``, any
hex case), as an HTML character reference (named, decimal, hex), JSON/JavaScript-escaped (``\\uXXXX``,
``\\"``), Python-escaped (``\\xNN``, ``\\'``) and shell-quoted (``'"'"'``), in any mix; the whole secret also
matches base64-encoded (standard and URL-safe alphabets, with or without padding, and at the three alignments it
can take inside a longer base64 text).

Replacements: profile secrets become ``«redacted:KIND»`` (no hash: a password may be short enough to guess from
one); runtime secrets, which are long random values issued by the server, become ``«redacted:sha256:1a2b3c4d»``
(the first 32 bits of their SHA-256) so two occurrences of one cookie can still be matched.

Short values: a secret shorter than 4 characters is only recognised where credentials are carried — after a
credential field name (``password=``, ``"password": "``, ``pw='``, the profile's login field names) and inside
Basic credentials — because masking every two-letter word would destroy the reports; from 4 to 11 characters a
match must not touch a letter or digit on either side; from 12 characters on it matches anywhere. Runtime values
shorter than 8 characters are not secrets (a session identifier that short has nothing to protect) and are
ignored.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
import threading
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import urlsplit

PROFILE_KINDS = ("secret_key", "fallback key", "retired key", "password", "credentials", "header", "userinfo",
                 "secret")
MIN_RUNTIME = 8      # runtime values shorter than this are not registered
MIN_FREE = 4         # shorter secrets only in credential contexts
MIN_ANYWHERE = 12    # from this length on, no word boundary is needed
CREDENTIAL_FIELDS = ("password", "passwd", "pass", "pwd", "pw", "passcode", "pin", "secret", "secret_key", "token", "api_key", "apikey",
                     "api-key", "access_token", "client_secret", "key")

_SECRET_NAME = re.compile(r"(?i)auth|token|secret|passw|pwd|key|session|cookie|credential|signature|jwt|bearer")
_SCHEME_VALUE = re.compile(r"(?i)^\s*(basic|bearer|token|digest|negotiate|ntlm|apikey|aws4-hmac-sha256)\s+(\S.*)$")
_PUBLIC_HEADERS = {"user-agent", "accept", "accept-language", "accept-encoding", "content-type", "origin",
                   "referer", "cache-control", "pragma", "dnt", "via", "x-requested-with", "host"}


def secret_header(name: str, value: str) -> bool:
    """True when a profile header carries a credential: its name says so (Authorization, Cookie, X-API-Key,
    *Token*, *Secret*, *Auth*, *Session*, …) or its value starts with an authentication scheme
    (``Bearer …``, ``Basic …``). ``X-Test-Run: conformance`` is not a secret (masking it would hide every path
    with "conformance" in it)."""
    if name.lower() in _PUBLIC_HEADERS:
        return False
    return bool(_SECRET_NAME.search(name)) or bool(_SCHEME_VALUE.match(str(value)))


# ---------------------------------------------------------------------------------------------- patterns

_HTML_NAMED = {"&": ["&amp;"], "<": ["&lt;"], ">": ["&gt;"], '"': ["&quot;"], "'": ["&apos;"]}
_BACKSLASHED = {'"': ['\\\\"'], "'": ["\\\\'"], "\\": ["\\\\\\\\"], "/": ["\\\\/"], "\n": ["\\\\n"], "\r": ["\\\\r"],
                "\t": ["\\\\t"]}


def _hex_ci(h: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in h)


def _char(c: str) -> str:
    """A regular expression for one character of a secret in any of the encodings it may travel in."""
    alts = [re.escape(c)]
    b = c.encode("utf-8")
    alts.append("".join("%" + _hex_ci(f"{x:02x}") for x in b))                     # percent-encoding
    if c == " ":
        alts.append(r"\+")                                                          # quote_plus
    o = ord(c)
    alts.append(f"&#0*{o};")                                                        # decimal reference
    alts.append(f"&#[xX]0*{_hex_ci(f'{o:x}')};")                                    # hex reference
    alts += _HTML_NAMED.get(c, [])
    if o < 0x10000:
        alts.append(r"\\u" + _hex_ci(f"{o:04x}"))                                   # JSON / JavaScript
    else:
        hi, lo = 0xD800 + ((o - 0x10000) >> 10), 0xDC00 + ((o - 0x10000) & 0x3FF)
        alts.append(r"\\u" + _hex_ci(f"{hi:04x}") + r"\\u" + _hex_ci(f"{lo:04x}"))
    if o < 0x100:
        alts.append(r"\\x" + _hex_ci(f"{o:02x}"))                                   # Python / C
    alts += _BACKSLASHED.get(c, [])
    if c == "'":
        alts += [re.escape("'\"'\"'"), re.escape("'\\''")]                          # shell quoting
    return "(?:" + "|".join(alts) + ")"


def _base64_forms(value: str) -> list[str]:
    raw = value.encode("utf-8")
    forms = set()
    for enc in (base64.b64encode, base64.urlsafe_b64encode):
        full = enc(raw).decode("ascii")
        forms.add(full)
        forms.add(full.rstrip("="))
        # inside a longer base64 text the value starts at one of three alignments; keep the characters that
        # depend on the value only
        for k in (1, 2):
            s = enc(b"\0" * k + raw).decode("ascii").rstrip("=")
            start = (k * 8 + 5) // 6  # characters touched by the k leading bytes
            tail_bits = ((k + len(raw)) * 8) % 6
            core = s[start:len(s) - (1 if tail_bits else 0)]
            if len(core) >= 12:
                forms.add(core)
        core0 = full.rstrip("=")
        if len(raw) % 3:
            core0 = core0[:-1]
        if len(core0) >= 12:
            forms.add(core0)
    return sorted((f for f in forms if len(f) >= 4), key=len, reverse=True)


@dataclass
class _Entry:
    value: str
    kind: str
    replacement: str
    pattern: re.Pattern
    context: bool  # only after a credential field name
    literal: str = ""  # the longest run of letters and digits: present as such unless the text has escapes
    b64: tuple[str, ...] = ()

    def maybe_in(self, s: str, escaped: bool) -> bool:
        """A cheap test that is never wrong when it says no: without percent, HTML, JSON or Python escapes in
        ``s``, any form of the value carries its letters and digits as they are (or is one of its base64 forms)."""
        return escaped or self.literal in s or any(f in s for f in self.b64)


_ESCAPED = re.compile(r"%[0-9A-Fa-f]{2}|&#|\\[uUx]")
_ALNUM_RUN = re.compile(r"[A-Za-z0-9]+")


def _compile(value: str, replacement_kind: str, fields: Iterable[str]) -> tuple[re.Pattern, bool]:
    chars = "".join(_char(c) for c in value)
    b64 = "|".join(re.escape(f) for f in _base64_forms(value))
    if len(value) < MIN_FREE:
        names = "|".join(re.escape(f) for f in sorted(set(fields), key=len, reverse=True))
        q = r"(?:%22|%27|\\?[\"'])?"
        pre = rf"(?P<pre>(?i:\b(?:{names})){q}\s*(?:=|:|%3[Dd]|%3[Aa])\s*{q})"
        body = rf"{pre}(?:{chars})(?![A-Za-z0-9])"
        if b64 and len(value) >= 3:
            body += rf"|(?<![A-Za-z0-9+/])(?:{b64})(?![A-Za-z0-9+/])"
        return re.compile(body), True
    if len(value) < MIN_ANYWHERE:
        body = rf"(?<![A-Za-z0-9])(?:{chars})(?![A-Za-z0-9])"
    else:
        body = chars
    if b64:
        body += rf"|(?<![A-Za-z0-9])(?:{b64})" if len(value) < MIN_ANYWHERE else rf"|(?:{b64})"
    return re.compile(body), False


# ---------------------------------------------------------------------------------------------- redactor

class Redactor:
    """Knows every secret of a run; :meth:`apply` takes them out of strings, lists and dicts. Thread-safe:
    ``add`` may run in the runner's threads while another thread applies."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[str, str] = {}
        self._entries: tuple[_Entry, ...] = ()
        self._fields: set[str] = set(CREDENTIAL_FIELDS)

    # -- learning
    @classmethod
    def from_target(cls, target: Any) -> "Redactor":
        r = cls()
        r.add_target(target)
        return r

    def add_target(self, target: Any) -> None:
        """Every secret a profile (``profile.Target``) gives."""
        login = getattr(target, "login", None) or {}
        fields = dict(login.get("fields") or {})
        role = (getattr(target, "roles", None) or {}).get("login")
        fields.update(getattr(role, "fields", None) or {})
        for k in ("password", "pass", "secret"):
            if fields.get(k):
                self._fields.add(str(fields[k]))
        sess = getattr(target, "session", None) or {}
        self.add(sess.get("secret_key"), "secret_key")
        for k in sess.get("fallback_keys") or []:
            self.add(k, "fallback key")
        for k in sess.get("retired_keys") or []:
            self.add(k, "retired key")
        for u in getattr(target, "users", None) or []:
            pw = u.get("password")
            self.add(pw, "password")
            if pw and u.get("username"):
                self.add(f"{u['username']}:{pw}", "credentials")
        for name, value in (getattr(target, "headers", None) or {}).items():
            self.add_header(str(name), str(value))
        for url in (getattr(target, "base_url", None), getattr(target, "http_url", None)):
            if url:
                try:
                    pw = urlsplit(str(url)).password
                except ValueError:
                    pw = None
                self.add(pw, "userinfo")
        secrets = getattr(target, "secrets", None)
        if callable(secrets):
            for v in secrets():
                self.add(v, "secret")

    def add_header(self, name: str, value: str) -> None:
        """A profile header: its value when it carries a credential, with the parts a credential splits into."""
        if not secret_header(name, value):
            return
        kind = "header"
        self.add(value, kind)
        m = _SCHEME_VALUE.match(value)
        if m:
            cred = m.group(2).strip()
            self.add(cred, kind)
            if m.group(1).lower() == "basic":
                try:
                    plain = base64.b64decode(cred + "=" * (-len(cred) % 4), validate=False).decode("utf-8")
                except (binascii.Error, UnicodeDecodeError, ValueError):
                    plain = ""
                if plain:
                    self.add(plain, "credentials")
                    if ":" in plain:
                        self.add(plain.split(":", 1)[1], "password")
        if name.lower() == "cookie":  # each cookie value long enough to be a credential (not theme=dark)
            for part in value.split(";"):
                if "=" in part and len(part.split("=", 1)[1].strip()) >= MIN_RUNTIME:
                    self.add(part.split("=", 1)[1].strip(), kind)

    def add(self, value: Any, kind: str = "secret") -> None:
        """Learns one secret. Profile kinds (:data:`PROFILE_KINDS`) are replaced by ``«redacted:KIND»``, any other
        kind ("session cookie", "csrf token") by a short hash, and must be at least 8 characters long."""
        if value is None or isinstance(value, bool):
            return
        value = str(value)
        if not value or value in self._known:
            return
        profile = kind in PROFILE_KINDS
        if not profile and len(value) < MIN_RUNTIME:
            return
        rep = (f"«redacted:{kind}»" if profile else
               f"«redacted:sha256:{hashlib.sha256(value.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}»")
        pattern, context = _compile(value, kind, self._fields)
        lit = max(_ALNUM_RUN.findall(value), key=len, default="")
        e = _Entry(value, kind, rep, pattern, context, lit, tuple(_base64_forms(value)))
        with self._lock:
            if value in self._known:
                return
            self._known[value] = rep
            self._entries = tuple(sorted(self._entries + (e,), key=lambda x: len(x.value), reverse=True))

    def harvest_set_cookies(self, obj: Any, names: Iterable[str] | None = None) -> None:
        """Registers the values of the ``Set-Cookie`` header lines found in ``obj`` (reports' response headers):
        cookies the servers issued during the run, live credentials. ``names``: only these cookie names."""
        wanted = {n for n in names} if names is not None else None
        stack = [obj]
        while stack:
            x = stack.pop()
            if isinstance(x, dict):
                stack += list(x.values())
            elif isinstance(x, (list, tuple)):
                if len(x) == 2 and isinstance(x[0], str) and isinstance(x[1], str) and x[0].lower() == "set-cookie":
                    first = x[1].split(";", 1)[0]
                    if "=" in first:
                        k, v = first.split("=", 1)
                        if wanted is None or k.strip() in wanted:
                            self.add(v.strip().strip('"'), "session cookie")
                else:
                    stack += list(x)

    @property
    def kinds(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self._entries:
            out[e.kind] = out.get(e.kind, 0) + 1
        return out

    # -- applying
    def apply_text(self, s: str) -> str:
        if not s:
            return s
        escaped = _ESCAPED.search(s) is not None
        for e in self._entries:
            if not e.maybe_in(s, escaped):
                continue
            if e.context:
                s = e.pattern.sub(lambda m, r=e.replacement: (m.group("pre") or "") + r if m.group("pre") is not None
                                  else r, s)
            else:
                s = e.pattern.sub(e.replacement, s)
        return s

    def apply(self, obj: Any) -> Any:
        """``obj`` with every secret replaced: strings, and recursively lists, tuples (as lists) and dict values."""
        if isinstance(obj, str):
            return self.apply_text(obj)
        if isinstance(obj, dict):
            return {k: self.apply(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return [self.apply(v) for v in obj]
        return obj

    __call__ = apply

    def __len__(self) -> int:
        return len(self._entries)


NULL = Redactor()  # knows nothing: apply is the identity
