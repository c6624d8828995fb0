"""Discovery: a target profile in one command (``python3 -m websec_conform discover URL --user U --password P``).

A bounded crawl of one deployment finds where the roles of ``conformance/ROLES.md`` live and writes them as a
profile in the role-mapping schema of ROLES.md §5, every guess marked with a ``# guess:`` comment and every role
it could not find listed at the end with the reason.

Bounds and manners:

* same origin only (scheme, host and port of the start URL): a link elsewhere is never fetched;
* at most ``max_pages`` pages fetched by following links (redirect hops count), ``max_depth`` links deep, within
  ``max_seconds`` of wall time (each request's timeout is cut to the time left); besides the crawl, at most
  ``MAX_PROBES`` fixed probes (a random path for the 404 page, a few well-known paths such as ``/api/me`` and
  ``/login``, one canary per reflected parameter, the static file, the checks of what was submitted);
* every request goes through ``transport.send`` with the run's ``Settings`` (timeout, TLS verification, the cap on
  bytes read) and one ``transport.RateLimiter``;
* the login form is submitted (that is what the credentials are for), and GET forms (search) with a harmless
  canary; no other form is submitted, and no link that looks like log-out or delete is followed, unless
  ``submit_forms`` is set (a test deployment), which proves the state-change/probe pair, the upload, the comment
  and the logout, and finds stored reflections: a logged-in form (settings, notes; never one that mails, pays or
  touches credentials, e-mail addresses or phone numbers) is saved with a harmless canary in each text field, the
  pages the user is shown are read for them, and an edit form gets its previous values back;
* the session cookie is read, never forged: a Flask (itsdangerous) cookie is signed, not encrypted, so the key
  that tells the users apart (``identity_field``) shows in the two users' cookies;
* HTML is read with BeautifulSoup (``html.parser``); where the quoting of an attribute matters, the start tag's
  text as ``html.parser`` delimits it is split into attributes (no regular expression reads markup), and JSON in an
  attribute is read from that text (a double-quoted attribute that the JSON's own quotes end is no attribute value
  to the parser).
"""
from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime as dt
import difflib
import html.parser
import json
import math
import re
import secrets
import sys
import time
import zlib
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Callable
from urllib.parse import parse_qsl, unquote, urlencode, urljoin, urlsplit, urlunsplit

import yaml
from bs4 import BeautifulSoup, Comment, Doctype, Tag
import soupsieve

from .generators import Body
from .scenario import ROLES
from .transport import RateLimiter, Request, Response, Settings, send

MAX_PROBES = 100
CANARY_PREFIX = "wscd"
USER_AGENT = "websec-conform-discover/1 (conformance profile discovery)"

# Well-known paths tried when the crawl does not find the thing itself (each costs one probe).
LOGIN_PATHS = ("/login", "/auth/login", "/api/login", "/signin", "/account/login", "/accounts/login/",
               "/users/sign_in", "/user/login", "/session/new", "/api/auth/login")
WHOAMI_PATHS = ("/api/me", "/whoami", "/api/whoami", "/api/user", "/me", "/api/users/me", "/api/v1/me",
                "/api/auth/me", "/api/session", "/user")
CSRF_PATHS = ("/csrf", "/api/csrf", "/csrf-token", "/api/csrf-token", "/api/csrf_token")
LOGOUT_PATHS = ("/logout", "/auth/logout", "/api/logout", "/signout", "/users/sign_out")
STATIC_FALLBACKS = ("/favicon.ico", "/robots.txt")

_DEFAULT_PORT = {"http": 80, "https": 443}
_SKIP_EXT = (".css", ".js", ".mjs", ".map", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".ico", ".webp", ".avif",
             ".pdf", ".zip", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".tar", ".mp3", ".mp4", ".webm", ".ogg", ".wav",
             ".woff", ".woff2", ".ttf", ".otf", ".eot", ".exe", ".dmg", ".iso", ".bin", ".csv", ".xlsx", ".docx")
# Links never followed: they end the session or destroy something even when asked with GET.
_UNSAFE_LINK = re.compile(r"(?:^|[/_.\-?=&])(log[-_]?out|sign[-_]?out|log[-_]?off|delete|remove|destroy|"
                          r"unsubscribe|deactivate|drop|purge|reset)(?:$|[/_.\-?=&])", re.I)
_LOGOUT_WORDS = re.compile(r"log[-_ ]?out|sign[-_ ]?out|log[-_ ]?off", re.I)
_REGISTER_WORDS = re.compile(r"regist|sign[-_ ]?up|create[-_ ]?(an[-_ ]?)?account|join|enrol", re.I)
_PASSWORD_CHANGE_WORDS = re.compile(r"change|reset|new[-_ ]?password|settings|forgot", re.I)
_DESTRUCTIVE_WORDS = re.compile(r"delete|remove|destroy|purge|deactivate|unsubscribe|drop", re.I)
# forms whose effect reaches beyond the app's own state (mail, money, credentials): never submitted, never mapped
_SENSITIVE_WORDS = re.compile(r"reset|forgot|password|invite|e?mail|newsletter|pay|checkout|purchase|transfer|"
                              r"donate|order|subscribe|sms|phone|2fa|otp|token|api[-_]?key", re.I)
_SEARCH_WORDS = re.compile(r"search|find|query|lookup|filter", re.I)
_COMMENT_WORDS = re.compile(r"comment|reply|guestbook", re.I)
_REMEMBER_WORDS = re.compile(r"remember|keep|persist|stay", re.I)
_CSRF_NAME = re.compile(r"csrf|xsrf|authenticity[-_]?token|^_?token$|requestverificationtoken|^_csrf|nonce", re.I)
_CSRF_META = ("csrf-token", "csrf_token", "_csrf", "csrf", "xsrf-token", "x-csrf-token", "csrf-param")
_SESSION_NAME = re.compile(r"sess|sid$|^sid|auth|login|jwt|token|connect\.sid|identity", re.I)
_PREFERENCE_NAME = re.compile(r"theme|lang|locale|pref|consent|tz|timezone|dark|mode|cookie[-_]?notice", re.I)
_TEXTLIKE = ("text", "email", "search", "url", "tel", "")
_URL_ATTRS = ("href", "src", "action", "formaction", "data", "poster", "cite", "background", "srcset")
_REFLECT_ROLES = ("reflect_text", "reflect_attr", "reflect_unquoted_attr", "reflect_href", "reflect_script",
                  "reflect_json_attr")
# which stored reflection a form's only users go to first: the contexts a GET reflection rarely has
_STORED_PRIORITY = ("reflect_json_attr", "reflect_unquoted_attr", "reflect_href", "reflect_script", "reflect_attr",
                    "reflect_text")
_CONTEXT_WORDS = {"reflect_text": "in text", "reflect_attr": "in a quoted attribute",
                  "reflect_unquoted_attr": "in an unquoted attribute",
                  "reflect_href": "at the start of a link (href, src)", "reflect_script": "inside <script>",
                  "reflect_json_attr": "inside JSON in an attribute"}
_CONTEXT_SHORT = {"reflect_text": "text", "reflect_attr": "attribute", "reflect_unquoted_attr": "unquoted attribute",
                  "reflect_href": "link", "reflect_script": "script", "reflect_json_attr": "JSON attribute"}
# fields a stored-reflection canary never goes into, and forms with such a field are never saved
_PERSONAL_FIELD = re.compile(r"e-?mail|phone|mobile|password|passwd|secret|token|api[-_]?key|iban|card", re.I)
_RESET_LINK = re.compile(r"forgot|(reset|recover|lost)[-_]?(your[-_]?)?pass|pass(word)?[-_/]?(reset|recover)", re.I)
_URL_FIELD = re.compile(r"url|website|homepage|home[-_]page|link", re.I)


class _OutOfTime(Exception):
    """The wall-time budget is spent: every phase stops, the profile is written from what is known."""


# ---------------------------------------------------------------------------------------------- the result

@dataclass
class Discovery:
    """What discovery found: ``profile`` (the dict the YAML holds), ``notes`` (kind, text) with kinds
    ``guess``, ``missing`` and ``info``, and the numbers of the crawl in ``stats``."""
    profile: dict[str, Any]
    notes: list[tuple[str, str]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    comments: dict[str, list[str]] = field(default_factory=dict)   # YAML path -> comment lines above it
    trailing: dict[str, str] = field(default_factory=dict)         # YAML path -> comment at the end of its line
    header: list[str] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    requests: list[tuple[str, str, int | None]] = field(default_factory=list)  # method, url, status (in order)

    def guesses(self) -> dict[str, str]:
        return {t.split(":", 1)[0]: t.split(":", 1)[1].strip() for k, t in self.notes if k == "guess"}

    def missing(self) -> dict[str, str]:
        return {t.split(" — ", 1)[0]: t.split(" — ", 1)[1] for k, t in self.notes if k == "missing"}

    def to_yaml(self) -> str:
        out = [f"# {line}" if line else "#" for line in self.header]
        _emit(self.profile, 0, "", out, self.comments, self.trailing)
        if self.footer:
            out.append("")
            out += [f"# {line}" if line else "#" for line in self.footer]
        return "\n".join(out) + "\n"


def _flow(v: Any) -> str:
    s = yaml.safe_dump(v, default_flow_style=True, width=1 << 30, allow_unicode=True, sort_keys=False)
    s = s.strip()
    if s.endswith("\n..."):
        s = s[:-4].rstrip()
    elif s.endswith("..."):
        s = s[:-3].rstrip()
    return s


def _comment_text(s: str) -> str:
    return " ".join(str(s).split())


def _emit(obj: dict, indent: int, path: str, out: list[str], before: dict[str, list[str]],
          after: dict[str, str]) -> None:
    sp = " " * indent
    for k, v in obj.items():
        p = f"{path}.{k}" if path else str(k)
        for c in before.get(p, []):
            out.append(f"{sp}# {_comment_text(c)}")
        trail = f"  # {_comment_text(after[p])}" if p in after else ""
        key = _flow(k)
        # top-level sections and each role are blocks; what is inside them flows
        block = "." not in p or (p.count(".") == 1 and p.startswith("roles."))
        if isinstance(v, dict) and v and block:
            out.append(f"{sp}{key}:{trail}")
            _emit(v, indent + 2, p, out, before, after)
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            out.append(f"{sp}{key}:{trail}")
            for item in v:
                out.append(f"{sp}  - {_flow(item)}")
        else:
            out.append(f"{sp}{key}: {_flow(v)}{trail}")


# ---------------------------------------------------------------------------------------------- cookies

@dataclass
class _CookieSeen:
    name: str
    attrs: str
    first: str                      # "GET /path" that set it first
    anonymous: bool
    at_login: bool = False
    deleted: bool = False


class Jar:
    """The cookies of one visitor (the transport stores none): name -> value, Path and Domain ignored (one
    origin), deletions (Max-Age <= 0, an Expires in the past) honoured."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def copy(self) -> "Jar":
        j = Jar()
        j.cookies = dict(self.cookies)
        return j

    def header(self) -> str | None:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items()) or None

    def update(self, resp: Response) -> list[tuple[str, str, str, bool]]:
        """Applies the response's Set-Cookie lines; returns (name, value, attributes, deleted) of each."""
        seen = []
        for line in resp.header_all("Set-Cookie"):
            parsed = parse_set_cookie(line)
            if parsed is None:
                continue
            name, value, attrs, deleted = parsed
            if deleted:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
            seen.append(parsed)
        return seen


def parse_set_cookie(line: str) -> tuple[str, str, str, bool] | None:
    """(name, value, the attribute text, deleted) of one Set-Cookie line (RFC 6265 §5.2, leniently)."""
    first, _, rest = line.partition(";")
    name, eq, value = first.partition("=")
    name, value = name.strip(), value.strip()
    if not eq or not name:
        return None
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    deleted = False
    attrs = []
    for a in rest.split(";"):
        a = a.strip()
        if not a:
            continue
        attrs.append(a)
        k, _, v = a.partition("=")
        k = k.strip().lower()
        if k == "max-age":
            try:
                deleted = deleted or int(v.strip()) <= 0
            except ValueError:
                pass
        elif k == "expires":
            try:
                deleted = deleted or parsedate_to_datetime(v.strip()).timestamp() < time.time() - 1
            except (TypeError, ValueError, IndexError, OverflowError):
                pass
    return name, value, "; ".join(attrs), deleted


def _cookie_lifetime(line: str, date_header: str | None) -> int | None:
    """Seconds a Set-Cookie line keeps its cookie (Max-Age, else Expires minus the response's Date)."""
    _, _, rest = line.partition(";")
    expires = None
    for a in rest.split(";"):
        k, _, v = a.strip().partition("=")
        if k.lower() == "max-age":
            try:
                return int(v.strip())
            except ValueError:
                return None
        if k.lower() == "expires":
            expires = v.strip()
    if expires is None:
        return None
    try:
        end = parsedate_to_datetime(expires).timestamp()
        now = parsedate_to_datetime(date_header).timestamp() if date_header else time.time()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    secs = int(round(end - now))
    # Expires and Date are whole seconds, taken at two moments: a lifetime within 2 s of whole minutes is that
    snapped = int(round(secs / 60.0)) * 60
    return snapped if secs > 60 and abs(secs - snapped) <= 2 else secs


def session_payload(value: str) -> dict | None:
    """The data inside a Flask (itsdangerous) session cookie, which is signed, not encrypted:
    ``payload.timestamp.signature``, the payload base64url JSON, zlib-compressed when the value starts with a dot.
    None for any other cookie."""
    v = value.strip()
    compressed = v.startswith(".")
    parts = (v[1:] if compressed else v).split(".")
    if len(parts) != 3 or not parts[0] or len(parts[0]) > 16384:
        return None
    try:
        raw = base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4))
        if compressed:
            raw = zlib.decompressobj().decompress(raw, 65536)
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, zlib.error):
        return None
    return data if isinstance(data, dict) else None


# ---------------------------------------------------------------------------------------------- HTML model

@dataclass
class FormField:
    name: str
    type: str                       # input type (lower case), "textarea", "select", "button"
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    required: bool = False

    @property
    def textlike(self) -> bool:
        return self.type in _TEXTLIKE or self.type == "textarea"


@dataclass
class Form:
    page_url: str
    action_url: str
    method: str                     # GET | POST (other methods are written as given)
    enctype: str
    fields: list[FormField]
    submit_text: str
    ident: str                      # id, class and name of the form element
    text: str                       # the form's visible text (labels, buttons)
    auth: bool                      # found while logged in

    @property
    def action_path(self) -> str:
        return _path_of(self.action_url)

    @property
    def page_path(self) -> str:
        return _path_of(self.page_url)

    @property
    def passwords(self) -> list[FormField]:
        return [f for f in self.fields if f.type == "password"]

    @property
    def files(self) -> list[FormField]:
        return [f for f in self.fields if f.type == "file"]

    def csrf_fields(self) -> list[FormField]:
        return [f for f in self.fields if f.type == "hidden" and _CSRF_NAME.search(f.name)]

    def key(self) -> tuple:
        return (self.method, self.action_path, tuple(f.name for f in self.fields if f.type != "hidden"))

    def clues(self) -> str:
        """Text that says what the form is for: action, id/class/name, submit text."""
        return " ".join((urlsplit(self.action_url).path, self.ident, self.submit_text))

    def kind(self) -> str:
        """login | register | password_change | logout | search | upload | destructive | sensitive | post"""
        clues = self.clues()
        if self.method == "GET":
            return "search"
        if len(self.passwords) >= 2:
            if _PASSWORD_CHANGE_WORDS.search(clues) or (self.auth and not _REGISTER_WORDS.search(clues)):
                return "password_change"
            return "register"
        if len(self.passwords) == 1:
            if _REGISTER_WORDS.search(clues):
                return "register"
            if _PASSWORD_CHANGE_WORDS.search(clues):
                return "password_change"
            return "login"
        if _LOGOUT_WORDS.search(clues):
            return "logout"
        if self.files:
            return "upload"
        if _DESTRUCTIVE_WORDS.search(clues):
            return "destructive"
        if _SENSITIVE_WORDS.search(clues):
            return "sensitive"
        return "post"


@dataclass
class Page:
    url: str
    status: int
    depth: int
    auth: bool
    soup: BeautifulSoup
    forms: list[Form]
    links: list[str]
    headers: list[tuple[str, str]]

    @property
    def path(self) -> str:
        return _path_of(self.url)

    def text(self) -> str:
        return self.soup.get_text(" ")


def _path_of(url: str) -> str:
    u = urlsplit(url)
    return (u.path or "/") + (f"?{u.query}" if u.query else "")


def _origin_of(url: str) -> tuple[str, str, int] | None:
    try:
        u = urlsplit(url)
        scheme = u.scheme.lower()
        if scheme not in _DEFAULT_PORT or not u.hostname:
            return None
        return scheme, u.hostname.lower(), u.port or _DEFAULT_PORT[scheme]
    except ValueError:
        return None


def _attr(tag: Tag, name: str) -> str:
    v = tag.get(name)
    if isinstance(v, list):
        return " ".join(v)
    return v or ""


def parse_html(text: str) -> BeautifulSoup:
    return BeautifulSoup(text, "html.parser")


def _base_href(soup: BeautifulSoup, url: str) -> str:
    b = soup.find("base", href=True)
    return urljoin(url, _attr(b, "href")) if b else url


def extract_forms(soup: BeautifulSoup, page_url: str, auth: bool = False) -> list[Form]:
    base = _base_href(soup, page_url)
    forms = []
    for f in soup.find_all("form"):
        method = (_attr(f, "method") or "GET").strip().upper() or "GET"
        action = _attr(f, "action").strip()
        action_url = urljoin(base, action) if action else page_url
        action_url = action_url.split("#", 1)[0]
        enctype = (_attr(f, "enctype") or "application/x-www-form-urlencoded").strip().lower()
        fields: list[FormField] = []
        submit_text = ""
        for el in f.find_all(["input", "textarea", "select", "button"]):
            name = _attr(el, "name").strip()
            if el.name == "input":
                typ = _attr(el, "type").strip().lower()
                typ = "" if typ == "text" else typ
                if typ in ("submit", "image") and not submit_text:
                    submit_text = _attr(el, "value") or typ
                if not name or typ in ("reset", "image"):
                    continue
                if typ == "submit":
                    if not any(x.type in ("submit", "button") for x in fields):
                        fields.append(FormField(name, "submit", _attr(el, "value")))
                    continue
                value = _attr(el, "value")
                if typ in ("checkbox", "radio") and el.get("value") is None:
                    value = "on"
                fields.append(FormField(name, typ, value, el.has_attr("checked"), required=el.has_attr("required")))
            elif el.name == "textarea":
                if name:
                    fields.append(FormField(name, "textarea", el.get_text(), required=el.has_attr("required")))
            elif el.name == "select":
                if not name:
                    continue
                opts = [(_attr(o, "value") if o.get("value") is not None else o.get_text().strip(),
                         o.has_attr("selected")) for o in el.find_all("option")]
                chosen = next((v for v, s in opts if s), opts[0][0] if opts else "")
                fields.append(FormField(name, "select", chosen, options=[v for v, _ in opts]))
            elif el.name == "button":
                typ = (_attr(el, "type") or "submit").lower()
                if typ == "submit" and not submit_text:
                    submit_text = el.get_text(" ").strip() or _attr(el, "value")
                if name and typ == "submit" and not any(x.type in ("submit", "button") for x in fields):
                    fields.append(FormField(name, "button", _attr(el, "value")))
        ident = " ".join(x for x in (_attr(f, "id"), _attr(f, "class"), _attr(f, "name")) if x)
        forms.append(Form(page_url, action_url, method, enctype, fields, submit_text.strip(), ident,
                          " ".join(f.get_text(" ").split())[:300], auth))
    return forms


def extract_links(soup: BeautifulSoup, page_url: str) -> list[str]:
    base = _base_href(soup, page_url)
    out = []
    for tag, attr in (("a", "href"), ("area", "href"), ("iframe", "src"), ("frame", "src")):
        for el in soup.find_all(tag):
            v = _attr(el, attr).strip()
            if not v or v.startswith("#") or v.split(":", 1)[0].lower() in ("javascript", "mailto", "tel", "data",
                                                                              "vbscript", "sms", "ftp"):
                continue
            out.append(urljoin(base, v).split("#", 1)[0])
    return out


def extract_static(soup: BeautifulSoup, page_url: str) -> list[str]:
    base = _base_href(soup, page_url)
    out = []
    for el in soup.find_all("link"):
        rels = [r.lower() for r in (el.get("rel") or [])]
        if "stylesheet" in rels and el.get("href"):
            out.append(urljoin(base, _attr(el, "href")))
    for el in soup.find_all("script", src=True):
        out.append(urljoin(base, _attr(el, "src")))
    return out


# ---------------------------------------------------------------------------------------------- reflection

def _split_attributes(raw: str) -> list[tuple[str, int, int, bool]]:
    """(name, value start, value end, quoted) of each attribute in one start tag's text as html.parser
    delimited it (``<input id=out value="x">``)."""
    out = []
    i, n = 1, len(raw)
    while i < n and not (raw[i].isspace() or raw[i] in "/>"):  # the tag name
        i += 1
    while i < n:
        while i < n and (raw[i].isspace() or raw[i] == "/"):
            i += 1
        if i >= n or raw[i] == ">":
            break
        start = i
        while i < n and not (raw[i].isspace() or raw[i] in "=>") and not (raw[i] == "/" and raw[i + 1:i + 2] == ">"):
            i += 1
        name = raw[start:i].lower()
        j = i
        while j < n and raw[j].isspace():
            j += 1
        if j < n and raw[j] == "=":
            j += 1
            while j < n and raw[j].isspace():
                j += 1
            if j < n and raw[j] in "\"'":
                q = raw[j]
                end = raw.find(q, j + 1)
                end = n if end < 0 else end
                out.append((name, j + 1, end, True))
                i = end + 1
            else:
                k = j
                while k < n and not raw[k].isspace() and raw[k] != ">":
                    k += 1
                out.append((name, j, k, False))
                i = k
        else:
            if not name:
                i += 1
                continue
            out.append((name, i, i, True))
    return out


def _json_strings(raw: str, start: int) -> list[tuple[int, int]]:
    """The (start, end) of each string, quotes excluded, of the JSON text that starts at ``raw[start]`` (``{`` or
    ``[``), read the way a JSON parser would whatever the HTML quoting around it, up to its closing bracket or the
    end of the start tag."""
    strings: list[tuple[int, int]] = []
    depth, i, n = 0, start, len(raw)
    while i < n:
        ch = raw[i]
        if ch == '"':
            j = i + 1
            while j < n and raw[j] != '"':
                j += 2 if raw[j] == "\\" else 1
            if j >= n:
                break
            strings.append((i + 1, j))
            i = j + 1
            continue
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth <= 0:
                break
        i += 1
    return strings


def _json_attributes(raw: str, canary: str) -> list[tuple[str, str, bool]]:
    """(name, quote, broken) of each attribute of one start tag (its text as html.parser delimited it) whose value
    is JSON that carries ``canary``: the value starts with ``{`` or ``[`` and the canary is inside it, or the JSON
    that starts there goes on past the attribute's end (its own quotes ended the attribute: ``broken``) and the
    canary is inside one of its strings. ``quote`` is the attribute's quote (``"``, ``'``, or empty)."""
    spots = [m.start() for m in re.finditer(re.escape(canary), raw)]
    out = []
    for name, a, b, quoted in _split_attributes(raw):
        if name.startswith("on") or a == b:
            continue
        lead = len(raw[a:b]) - len(raw[a:b].lstrip())
        first = html.unescape(raw[a + lead:b])[:1]
        if first not in ("{", "["):
            continue
        quote = raw[a - 1] if quoted and raw[a - 1] in "\"'" else ""
        if any(a <= p < b for p in spots):
            out.append((name, quote, False))
            continue
        if raw[a + lead] not in "{[":
            continue  # an entity-encoded bracket: the value is escaped, the JSON cannot go past it
        if any(p >= b and s <= p and p + len(canary) <= e for s, e in _json_strings(raw, a + lead) for p in spots):
            out.append((name, quote, True))
    return out


class _StartTags(html.parser.HTMLParser):
    """Collects the text of every start tag that contains the canary."""

    def __init__(self, canary: str):
        super().__init__(convert_charrefs=True)
        self.canary = canary
        self.tags: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        raw = self.get_starttag_text() or ""
        if self.canary in raw:
            self.tags.append((tag, raw))

    handle_startendtag = handle_starttag


def _start_tags(text: str, canary: str) -> list[tuple[str, str]]:
    p = _StartTags(canary)
    try:
        p.feed(text)
        p.close()
    except Exception:  # noqa: BLE001 — html.parser is lenient; a page it chokes on only loses attribute contexts
        pass
    return p.tags


def json_attributes(text: str, canary: str) -> list[tuple[str, str, str, bool]]:
    """(tag, attribute, quote, broken) of each attribute of the page whose value is JSON that carries ``canary``
    (``_json_attributes``): where a template writes ``data-x='{{ v|tojson }}'`` or, broken,
    ``data-x="{{ v|tojson }}"``."""
    if canary not in text:
        return []
    return [(tag, *x) for tag, raw in _start_tags(text, canary) for x in _json_attributes(raw, canary)]


def _describe_json_attributes(found: list[tuple[str, str, str, bool]]) -> str:
    quoting = {'"': "double-quoted", "'": "single-quoted", "": "unquoted"}
    parts = []
    for tag, name, quote, broken in found:
        d = f"{name} of <{tag}>, {quoting[quote]}"
        if broken:
            d += ", which the JSON's own quotes end"
        if d not in parts:
            parts.append(d)
    return "; ".join(parts)


def reflection_contexts(text: str, canary: str) -> set[str]:
    """The reflection roles a page that shows ``canary`` fits: ``reflect_text`` (a text node),
    ``reflect_attr`` (inside a quoted attribute), ``reflect_unquoted_attr`` (an unquoted attribute value),
    ``reflect_href`` (the start of an href/src-like attribute), ``reflect_script`` (inside ``<script>``) and
    ``reflect_json_attr`` (inside JSON in an attribute value, read from the start tag's text around the canary: a
    double-quoted attribute that JSON's quotes end early is no attribute value to the HTML parser)."""
    found: set[str] = set()
    if canary not in text:
        return found
    soup = parse_html(text)
    for s in soup.find_all(string=lambda t: t is not None and canary in t):
        if isinstance(s, (Comment, Doctype)):
            continue
        parent = s.parent.name if s.parent is not None else ""
        if parent == "script":
            found.add("reflect_script")
        elif parent not in ("style", "noscript", "template"):
            found.add("reflect_text")
    for tag, raw in _start_tags(text, canary):
        if _json_attributes(raw, canary):
            found.add("reflect_json_attr")
        for name, a, b, quoted in _split_attributes(raw):
            value = raw[a:b]
            if canary not in value:
                continue
            if name in _URL_ATTRS and value.lstrip().startswith(canary):
                found.add("reflect_href")
            if not quoted:
                found.add("reflect_unquoted_attr")
            elif name not in _URL_ATTRS or not value.lstrip().startswith(canary):
                if not name.startswith("on"):
                    found.add("reflect_attr")
    return found


# ---------------------------------------------------------------------------------------------- identity

def _word_re(name: str) -> re.Pattern:
    return re.compile(r"(?<![\w@.-])" + re.escape(name) + r"(?![\w@-])")


def json_pointer_to(obj: Any, want: str, path: str = "") -> str | None:
    """RFC 6901 pointer of the first string equal to ``want`` in a JSON value."""
    if isinstance(obj, str):
        return path if obj == want else None
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for k, v in items:
        p = f"{path}/{str(k).replace('~', '~0').replace('/', '~1')}"
        r = json_pointer_to(v, want, p)
        if r is not None:
            return r
    return None


def json_pointer_get(obj: Any, pointer: str) -> Any:
    if pointer == "":
        return obj
    for part in pointer.lstrip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(obj, dict) and part in obj:
            obj = obj[part]
        elif isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
            obj = obj[int(part)]
        else:
            return None
    return obj


def _own_text(el: Tag) -> str:
    return " ".join(s for s in el.find_all(string=True, recursive=False) if not isinstance(s, Comment))


def selector_for(el: Tag, soup: BeautifulSoup) -> str | None:
    """A CSS selector whose first match in ``soup`` is ``el``: its id, tag.class, a landmark or id ancestor, or
    the structural path from body."""
    def ok(sel: str) -> bool:
        try:
            return soup.select_one(sel) is el
        except Exception:  # noqa: BLE001 — soupsieve rejects a selector it cannot parse
            return False

    esc = soupsieve.escape
    name = el.name
    classes = [c for c in (el.get("class") or []) if c]
    simple = name + (f".{esc(classes[0])}" if classes else "")
    cands = []
    if el.get("id"):
        cands.append(f"#{esc(_attr(el, 'id'))}")
    for c in classes:
        cands.append(f"{name}.{esc(c)}")
    for a in el.parents:
        if not isinstance(a, Tag) or a.name in ("[document]", "html", "body"):
            break
        if a.name in ("nav", "header", "footer", "aside", "main"):
            cands += [f"{a.name} {simple}", f"{a.name} {name}"]
        if a.get("id"):
            cands += [f"#{esc(_attr(a, 'id'))} {simple}", f"#{esc(_attr(a, 'id'))} {name}"]
        for c in (a.get("class") or [])[:1]:
            cands.append(f"{a.name}.{esc(c)} {simple}")
    steps = []
    node: Any = el
    while isinstance(node, Tag) and node.name not in ("[document]", "html", "body"):
        idx = 1 + sum(1 for s in node.find_previous_siblings(node.name))
        steps.insert(0, f"{node.name}:nth-of-type({idx})")
        node = node.parent
    if steps:
        anchored = isinstance(node, Tag) and node.name == "body"
        cands.append(("body > " if anchored else "") + " > ".join(steps))
    for c in cands:
        if ok(c):
            return c
    return None


def select_text(soup: BeautifulSoup, sel: str) -> str | None:
    try:
        el = soup.select_one(sel)
    except Exception:  # noqa: BLE001
        return None
    return None if el is None else " ".join(el.get_text(" ").split())


# ---------------------------------------------------------------------------------------------- bodies

def _form_body(pairs: list[tuple[str, str]]) -> Body:
    return Body(urlencode(pairs).encode("utf-8"), "application/x-www-form-urlencoded", "discover form")


def _multipart_body(pairs: list[tuple[str, str]], files: list[tuple[str, str, bytes, str]]) -> Body:
    boundary = "wscdboundary" + secrets.token_hex(8)
    out = bytearray()

    def q(s: str) -> str:
        return s.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")

    for k, v in pairs:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{q(k)}"\r\n\r\n'.encode()
        out += v.encode("utf-8") + b"\r\n"
    for k, fname, data, ctype in files:
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{q(k)}"; filename="{q(fname)}"\r\n'
                f"Content-Type: {ctype}\r\n\r\n").encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return Body(bytes(out), f"multipart/form-data; boundary={boundary}", "discover multipart form")


def _harmless(f: FormField) -> str | None:
    """A value for a fixed field of a state-changing form (None: leave the field out)."""
    t = f.type
    if t == "textarea":
        return "written by the conformance run"
    if t == "email":
        return "conformance@example.com"
    if t == "url":
        return "https://example.com/"
    if t in ("number", "range"):
        return f.value or "1"
    if t == "date":
        return f.value or "2024-01-01"
    if t == "select":
        return f.value
    if t in ("checkbox",):
        return f.value if f.checked else None
    if t == "radio":
        return f.value if f.checked else None
    if t in ("hidden", "file", "password", "submit", "button"):
        return None
    if t in _TEXTLIKE:
        return f.value or "conformance"
    return f.value or None


def _canary_fields(f: Form) -> list[FormField]:
    """The fields of a form a stored-reflection canary goes into: text, search, URL and text areas."""
    return [x for x in f.fields if x.type in ("", "search", "url", "textarea") and not _CSRF_NAME.search(x.name)
            and not _PERSONAL_FIELD.search(x.name)]


def _url_field(x: FormField) -> bool:
    """A field that wants a URL: its canary is a harmless https://example.com/ address."""
    return x.type == "url" or bool(_URL_FIELD.search(x.name))


# ---------------------------------------------------------------------------------------------- the crawl

@dataclass
class _Fetched:
    url: str                        # final URL after the redirects followed
    resp: Response
    hops: list[tuple[str, int, str]]  # (url, status, Location) of each redirect followed or seen
    first_cookies: dict[str, str] | None = None  # the jar right after the first answer (before any redirect)

    @property
    def status(self) -> int | None:
        return self.resp.status

    @property
    def ok(self) -> bool:
        return self.resp.outcome == "response"

    @property
    def ctype(self) -> str:
        return (self.resp.header("Content-Type") or "").split(";", 1)[0].strip().lower()

    @property
    def html(self) -> bool:
        return self.ctype in ("text/html", "application/xhtml+xml") or (
            not self.ctype and self.resp.body.lstrip()[:1] == b"<")

    def json(self) -> Any:
        if "json" not in self.ctype:
            return None
        try:
            return json.loads(self.resp.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None


@dataclass
class _Login:
    ok: bool
    why: str = ""
    jar: Jar | None = None
    session_cookie: str | None = None
    changed: list[str] = field(default_factory=list)
    redirect: str | None = None
    final: _Fetched | None = None
    lifetime: int | None = None
    cookie_lines: list[str] = field(default_factory=list)


class _Discoverer:
    def __init__(self, base_url: str, users: list[dict], settings: Settings, rate: float, max_pages: int,
                 max_depth: int, max_seconds: float, submit_forms: bool, http_url: str | None,
                 name: str | None, max_probes: int):
        u = urlsplit(base_url)
        if u.scheme not in _DEFAULT_PORT or not u.netloc:
            raise ValueError(f"the start URL must be http:// or https://, got {base_url!r}")
        self.start_url = base_url if u.path else base_url.rstrip("/") + "/"
        self.origin = f"{u.scheme}://{u.netloc}"
        self.origin_key = _origin_of(base_url)
        self.users = [{"username": str(x["username"]), "password": str(x["password"])} for x in users]
        # a Retry-After is honoured, but never for longer than a fifth of the wall time
        if dataclasses.is_dataclass(settings) and hasattr(settings, "retry_after_cap"):
            settings = dataclasses.replace(settings, retry_after_cap=min(settings.retry_after_cap, max_seconds / 5))
        self.settings = settings
        self.limiter = RateLimiter(rate)
        self.max_pages, self.max_depth, self.max_seconds = max_pages, max_depth, max_seconds
        self.max_probes = max_probes
        self.submit_forms = submit_forms
        self.http_url = http_url
        self.name = name
        self.t0 = time.monotonic()
        self.deadline = self.t0 + max_seconds
        self.n_pages = self.n_probes = 0
        self.out_of_time = False
        self.log: list[tuple[str, str, int | None]] = []
        self.refused: set[str] = set()
        self.anon = Jar()
        self.user_jar: Jar | None = None
        self.other_jars: dict[str, Jar] = {}              # username -> the jar of the other users' logins
        self.pages: dict[tuple[str, bool], Page] = {}     # (url, auth) -> page
        self.statics: list[str] = []
        self.redirects: list[tuple[str, int, str]] = []   # GET path, status, Location
        self.errors: list[tuple[str, int]] = []           # GET path answering 5xx
        self.cookies: dict[str, _CookieSeen] = {}
        self.roles: dict[str, Any] = {}
        self.guess: dict[str, str] = {}                   # yaml path -> why
        self.info: dict[str, str] = {}                    # yaml path -> trailing comment
        self.above: dict[str, list[str]] = {}             # yaml path -> extra comment lines
        self.missing: dict[str, str] = {}
        self.notes: list[tuple[str, str]] = []
        self.session: dict[str, Any] = {}
        self.csrf: dict[str, Any] = {}
        self.login: _Login | None = None
        self.login_form: Form | None = None
        self.api_login: dict | None = None
        self.tested_params = 0
        self.cookie_lines: list[tuple[int, str]] = []     # (request number, Set-Cookie line)
        self.state_form: Form | None = None
        self.comment_form: Form | None = None
        self.upload_form: Form | None = None
        self.logout_form: Form | None = None
        self.http_url_found: str | None = None
        self.start_page: Page | None = None
        # (method or form action, page or path, field) -> the JSON attributes a canary came back in
        self.json_seen: dict[tuple[str, str, str], list[tuple[str, str, str, bool]]] = {}
        self._anonymous: dict[str, _Fetched | None] = {}

    # ------------------------------------------------------------------ requests

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def same_origin(self, url: str) -> bool:
        return _origin_of(url) == self.origin_key

    def fetch(self, method: str, url: str, jar: Jar | None, *, kind: str = "probe", body: Body | None = None,
              referer: str | None = None, follow: bool = True, allow_other_origin: bool = False) -> _Fetched | None:
        """One request (and the same-origin redirects after it, each counted). None when the page or probe
        budget is spent or the URL is on another origin; raises _OutOfTime when the wall time is."""
        if not allow_other_origin and not self.same_origin(url):
            self.refused.add(url)
            return None
        hops: list[tuple[str, int, str]] = []
        first: dict[str, str] | None = None
        for _ in range(6):
            if not self._take(kind):
                return None
            left = self.remaining()
            if left < 0.05:
                self.out_of_time = True
                raise _OutOfTime()
            headers = [("User-Agent", USER_AGENT),
                       ("Accept", "text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8")]
            if jar is not None and jar.header():
                headers.append(("Cookie", jar.header()))
            if method not in ("GET", "HEAD"):
                headers += [("Origin", self.origin), ("Referer", referer or self.start_url)]
            elif referer:
                headers.append(("Referer", referer))
            req = Request(method, url, headers=headers, body=body, timeout=max(0.05, min(self.settings.timeout, left)))
            resp = send(req, self.settings, self.limiter)
            self.log.append((method, url, resp.status))
            self.cookie_lines += [(len(self.log) - 1, line) for line in resp.header_all("Set-Cookie")]
            if resp.outcome != "response":
                if self.remaining() < 0.05:
                    self.out_of_time = True
                    raise _OutOfTime()
                return _Fetched(url, resp, hops, first)
            self._cookies(resp, method, url, jar)
            if first is None:
                first = dict(jar.cookies) if jar is not None else {}
            loc = resp.header("Location")
            if resp.status and 300 <= resp.status < 400 and loc:
                target = urljoin(url, loc.strip())
                hops.append((url, resp.status, target))
                if method == "GET" and self.same_origin(target):
                    self.redirects.append((_path_of(url), resp.status, _path_of(target)))
                if not follow or not self.same_origin(target) or (resp.status in (307, 308) and method != "GET"):
                    return _Fetched(url, resp, hops, first)
                method, body, url = ("GET", None, target.split("#", 1)[0]) if resp.status not in (307, 308) \
                    else (method, body, target.split("#", 1)[0])
                continue
            if method == "GET" and resp.status and resp.status >= 500:
                self.errors.append((_path_of(url), resp.status))
            return _Fetched(url, resp, hops, first)
        return _Fetched(url, resp, hops, first)

    def _take(self, kind: str) -> bool:
        if kind == "page":
            if self.n_pages >= self.max_pages:
                return False
            self.n_pages += 1
        else:
            if self.n_probes >= self.max_probes:
                return False
            self.n_probes += 1
        return True

    def _cookies(self, resp: Response, method: str, url: str, jar: Jar | None) -> None:
        if jar is None:
            jar = Jar()
        for name, _value, attrs, deleted in jar.update(resp):
            c = self.cookies.get(name)
            if c is None:
                self.cookies[name] = _CookieSeen(name, attrs, f"{method} {_path_of(url)}", jar is self.anon)
            elif deleted:
                c.deleted = True

    def get(self, url_or_path: str, jar: Jar | None, kind: str = "probe", follow: bool = True) -> _Fetched | None:
        url = url_or_path if "://" in url_or_path else self.origin + url_or_path
        return self.fetch("GET", url, jar, kind=kind, follow=follow)

    # ------------------------------------------------------------------ the run

    def run(self) -> Discovery:
        start = None
        try:
            start = self.get(self.start_url, self.anon, kind="page")
        except _OutOfTime:
            pass
        if start is None or not start.ok:
            why = start.resp.error if start is not None else "no time left"
            self.notes.append(("info", f"the start URL {self.start_url} did not answer: {why}"))
            for r in ROLES:
                self.missing[r] = f"the start URL did not answer ({why})"
            return self.result(reachable=False)
        self.start_page = self.pages_from(start, 0, auth=False)
        self.roles["page"] = _path_of(self.start_url)
        if start.hops and start.status == 200 and self.same_origin(start.url):
            # the start URL redirects (to a login page, a locale): the page it lands on answers 200
            self.roles["page"] = _path_of(start.url)
            self.info["roles.page"] = f"GET {_path_of(self.start_url)} redirects here"
        elif start.status != 200:
            self.guess["roles.page"] = f"the start URL answered {start.status}, not 200"
        users = bool(self.users)
        phases: list[tuple[Callable[[], None], str]] = [
            (lambda: self.crawl(self.anon, auth=False, until=0.35 if users else 0.6,
                                page_cap=math.ceil(self.max_pages * 0.5) if users else self.max_pages), "crawl"),
            (self.find_not_found, "not_found"),
            (self.find_login, "login"),
            (lambda: self.crawl(self.user_jar, auth=True, until=0.6, page_cap=self.max_pages)
             if self.user_jar else None, "crawl as the user"),
            (self.find_identity, "whoami"),
            (self.find_csrf, "csrf"),
            (self.find_forms, "forms"),
            (self.find_reflections, "reflections"),
            (self.find_static, "static"),
            (self.find_redirect_and_errors, "redirect"),
            (self.find_http_url, "http_url"),
            (self.submit, "submit"),
        ]
        for fn, what in phases:
            if self.out_of_time:
                self.notes.append(("info", f"wall time ({self.max_seconds:g} s) spent before: {what}"))
                continue
            try:
                fn()
            except _OutOfTime:
                self.notes.append(("info", f"wall time ({self.max_seconds:g} s) spent during: {what}"))
            except Exception as e:  # noqa: BLE001 — a page discovery cannot read costs that phase, not the profile
                self.notes.append(("info", f"{what} stopped on {type(e).__name__}: {e}"))
        return self.result(reachable=True)

    # ------------------------------------------------------------------ crawling

    def pages_from(self, f: _Fetched, depth: int, auth: bool) -> Page | None:
        if not f.ok or not f.html or f.status is None:
            return None
        soup = parse_html(f.resp.text)
        page = Page(f.url, f.status, depth, auth, soup, extract_forms(soup, f.url, auth),
                    extract_links(soup, f.url), f.resp.headers)
        self.pages[(f.url, auth)] = page
        for s in extract_static(soup, f.url):
            if self.same_origin(s) and s not in self.statics:
                self.statics.append(s)
        return page

    def crawl(self, jar: Jar, auth: bool, until: float, page_cap: int) -> None:
        stop_at = self.t0 + self.max_seconds * until
        seen: set[str] = set()
        per_path: dict[str, int] = {}
        queue: list[tuple[str, int]] = [(self.start_url, 0)]
        if not auth:
            # the start page was fetched already
            first = self.start_page
            queue = [(u, 1) for u in (first.links if first else [])]
            seen.add(self.start_url)
            if first is not None:
                seen.add(first.url)
        while queue and time.monotonic() < stop_at and self.n_pages < page_cap:
            url, depth = queue.pop(0)
            if url in seen or depth > self.max_depth:
                continue
            seen.add(url)
            if not self.same_origin(url):
                self.refused.add(url)
                continue
            u = urlsplit(url)
            if u.path.lower().endswith(_SKIP_EXT) or _UNSAFE_LINK.search(u.path + ("?" + u.query if u.query else "")):
                continue
            if u.query:
                per_path[u.path] = per_path.get(u.path, 0) + 1
                if per_path[u.path] > 3:
                    continue
            f = self.fetch("GET", url, jar, kind="page")
            if f is None:
                break
            seen.add(f.url)
            page = self.pages_from(f, depth, auth)
            if page is None or (page.status >= 400):
                continue
            for link in page.links:
                if link not in seen:
                    queue.append((link, depth + 1))

    def all_pages(self, auth: bool | None = None) -> list[Page]:
        return [p for (u, a), p in self.pages.items() if auth is None or a == auth]

    def all_forms(self) -> list[Form]:
        out, keys = [], set()
        for p in sorted(self.pages.values(), key=lambda p: (not p.auth, p.depth)):  # logged-in views first
            for f in p.forms:
                if f.key() not in keys:
                    keys.add(f.key())
                    out.append(f)
        return out

    # ------------------------------------------------------------------ 404

    def find_not_found(self) -> None:
        probe = f"/no-such-page/{CANARY_PREFIX}{secrets.token_hex(4)}"
        f = self.get(probe, Jar(), follow=False)
        if f is None or not f.ok:
            self.missing["not_found"] = "the probe of a random path got no answer"
            return
        if f.status == 404:
            self.roles["not_found"] = "/no-such-page/"
            self.info["roles.not_found"] = f"GET {probe} answered 404"
        elif f.status and 300 <= f.status < 400:
            self.missing["not_found"] = f"a random path ({probe}) answered {f.status} (a redirect), not 404"
        else:
            self.missing["not_found"] = f"a random path ({probe}) answered {f.status} (a catch-all route?), not 404"

    # ------------------------------------------------------------------ login

    def find_login(self) -> None:
        forms = [f for f in self.all_forms()]
        logins = [f for f in forms if f.kind() == "login"]
        for f in forms:
            if f.kind() == "register":
                self.notes.append(("info", f"registration form: {f.method} {f.action_path} (on {f.page_path}; "
                                           f"fields {', '.join(x.name for x in f.fields if x.type != 'hidden')}); "
                                           "not submitted"))
                self.above.setdefault("roles.login", []).append(
                    f"registration: {f.method} {f.action_path} (form on {f.page_path}); not submitted")
            elif f.kind() == "password_change":
                self.notes.append(("info", f"password change form: {f.method} {f.action_path}; never submitted"))
        if not logins:
            self.probe_login_paths()
            logins = [f for f in self.all_forms() if f.kind() == "login"]
        if logins:
            # the form on its own page (path ending in login/signin) beats a login box on every page
            logins.sort(key=lambda f: (not re.search(r"log[-_]?in|sign[-_]?in|session", f.page_path, re.I),
                                       "?" in f.page_path, "?" in f.action_path))
            self.login_form = form = logins[0]
            self.describe_login_form(form)
            if not self.users:
                self.guess["roles.login"] = "not tried: no credentials given (--user/--password)"
                return
            res = self.login_with_form(form, self.users[0])
            self.after_login(res, f"POST {form.action_path}")
            return
        if self.api_login:
            self.describe_api_login()
            return
        self.missing["login"] = "no form with a password field (and no POST-only login at " \
                                + ", ".join(LOGIN_PATHS[:4]) + ", …)"

    def probe_login_paths(self) -> None:
        known = {urlsplit(p.url).path for p in self.all_pages()}
        for path in LOGIN_PATHS:
            if path in known:
                continue
            f = self.get(path, self.anon, kind="probe")
            if f is None or not f.ok:
                continue
            page = self.pages_from(f, 1, auth=False)
            if page and any(x.kind() == "login" for x in page.forms):
                return
            allow = (f.resp.header("Allow") or "").upper()
            if f.status == 405 and "POST" in allow and not f.hops:
                self.api_login = {"path": path}
                return

    def describe_login_form(self, form: Form) -> None:
        pw = form.passwords[0]
        idx = form.fields.index(pw)
        before = [x for x in form.fields[:idx] if x.type in ("", "text", "email", "tel")]
        after = [x for x in form.fields[idx + 1:] if x.type in ("", "text", "email", "tel")]
        user_field = before[-1] if before else (after[0] if after else None)
        role: dict[str, Any] = {"path": form.action_path, "form_page": form.page_path}
        if form.method != "POST":
            role["method"] = form.method
        role["fields"] = {"username": user_field.name if user_field else "username", "password": pw.name}
        if user_field is None:
            self.guess["roles.login"] = "the form has no text field for the user name; 'username' assumed"
        extra = {x.name: x.value or "on" for x in form.fields
                 if x.type == "checkbox" and _REMEMBER_WORDS.search(x.name)}
        if extra:
            role["extra"] = extra
        if form.enctype.startswith("multipart/"):
            role["content_type"] = "multipart"
        self.roles["login"] = role
        hidden = [x.name for x in form.fields if x.type == "hidden"]
        if hidden:
            self.above.setdefault("roles.login", []).insert(
                0, f"hidden inputs sent back from form_page: {', '.join(hidden)}")

    def login_with_form(self, form: Form, user: dict) -> _Login:
        jar = Jar()
        page_f = self.get(form.page_url, jar)
        if page_f is None or not page_f.ok:
            return _Login(False, f"the login page {form.page_path} did not answer")
        page = self.pages_from(page_f, 1, auth=False)
        fresh = None
        for f in (page.forms if page else []):
            if f.kind() == "login" and f.action_path == form.action_path:
                fresh = f
                break
        fresh = fresh or form
        role = self.roles.get("login") or {}
        names = role.get("fields", {})
        pairs: list[tuple[str, str]] = []
        for x in fresh.fields:
            if x.type == "hidden":
                pairs.append((x.name, x.value))
            elif x.name == names.get("username"):
                pairs.append((x.name, user["username"]))
            elif x.name == names.get("password"):
                pairs.append((x.name, user["password"]))
            elif x.name in (role.get("extra") or {}):
                pairs.append((x.name, role["extra"][x.name]))
            elif x.type in ("submit", "button"):
                pairs.append((x.name, x.value))
        if names.get("username") not in {k for k, _ in pairs}:
            pairs.append((names.get("username", "username"), user["username"]))
        before = dict(jar.cookies)
        body = _multipart_body(pairs, []) if role.get("content_type") == "multipart" else _form_body(pairs)
        n_log = len(self.log)
        res = self.fetch(fresh.method, fresh.action_url, jar, body=body, referer=fresh.page_url)
        if res is None or not res.ok:
            return _Login(False, f"POST {fresh.action_path} got no answer"
                          + (f" ({res.resp.error})" if res is not None else ""))
        return self.judge_login(res, jar, before, user, n_log, form_action=fresh.action_path)

    def judge_login(self, res: _Fetched, jar: Jar, before: dict[str, str], user: dict, n_log: int,
                    form_action: str | None) -> _Login:
        # the cookies the login answer itself set or changed (the redirect after it may set others, a preference
        # cookie of the landing page); the jar at the end if the first answer set none
        changed = [k for k, v in (res.first_cookies or {}).items() if before.get(k) != v]
        changed = changed or [k for k, v in jar.cookies.items() if before.get(k) != v]
        lines = []
        lifetime = None
        # the Set-Cookie lines of the login answer (and its redirects) tell the session cookie's attributes
        first_status = res.hops[0][1] if res.hops else res.status
        redirect = res.hops[0][2] if res.hops else None
        final_page = None
        if res.html:
            final_page = parse_html(res.resp.text)
        shows_form = bool(final_page and form_action and any(
            f.kind() == "login" and f.action_path == form_action for f in extract_forms(final_page, res.url)))
        shows_name = bool(final_page and _word_re(user["username"]).search(final_page.get_text(" ")))
        data = res.json()
        json_user = data is not None and json_pointer_to(data, user["username"]) is not None
        status = res.status or 0
        if not changed:
            return _Login(False, f"no cookie was set or changed (status {first_status})", final=res)
        if status >= 400 and not res.hops:
            return _Login(False, f"answered {status}", final=res, changed=changed)
        if shows_form and not shows_name:
            return _Login(False, f"the login form was shown again (status {status})", final=res, changed=changed)
        sess = self.pick_session_cookie(changed)
        lines = [ln for ln in self._set_cookie_lines(n_log) if ln.split("=", 1)[0].strip() == sess]
        if lines:
            lifetime = _cookie_lifetime(lines[-1], res.resp.header("Date"))
        ok_why = "shows the user name" if shows_name or json_user else "the session cookie changed"
        return _Login(True, ok_why, jar, sess, changed, redirect if first_status and 300 <= first_status < 400
                      else None, res, lifetime, lines)

    def _set_cookie_lines(self, since: int) -> list[str]:
        """The Set-Cookie lines received since request number ``since`` of the log."""
        return [line for i, line in self.cookie_lines if i >= since]

    def pick_session_cookie(self, changed: list[str]) -> str:
        def score(n: str) -> tuple:
            low = n.lower()
            return (bool(re.search(r"remember|csrf|xsrf", low)), not _SESSION_NAME.search(low),
                    bool(_PREFERENCE_NAME.search(low)), changed.index(n))
        return sorted(changed, key=score)[0]

    def after_login(self, res: _Login, how: str) -> None:
        self.login = res
        if not res.ok:
            self.missing_login_dependents(f"login as {self.users[0]['username']} failed: {res.why}")
            self.notes.append(("info", f"login failed ({how}): {res.why}"))
            self.guess["roles.login"] = f"logging in as {self.users[0]['username']} failed: {res.why}"
            return
        self.user_jar = res.jar
        if res.final is not None and res.final.status == 200 and self.same_origin(res.final.url):
            self.pages_from(res.final, 1, auth=True)  # the landing page after login
        for name in res.changed:
            c = self.cookies.get(name)
            if c:
                c.at_login = True
        self.session["cookie_name"] = res.session_cookie
        self.info["session.cookie_name"] = "the cookie that appeared or changed at login" + (
            f" (also changed: {', '.join(n for n in res.changed if n != res.session_cookie)})"
            if len(res.changed) > 1 else "")
        if res.lifetime and res.lifetime > 0:
            self.session["lifetime"] = res.lifetime
            self.guess["session.lifetime"] = (f"the session cookie set at login expires in {res.lifetime} s; "
                                              "the server may keep it shorter")
        role = self.roles.get("login")
        if isinstance(role, dict) and res.redirect:
            target = _path_of(res.redirect) if self.same_origin(res.redirect) else res.redirect
            # matched against the Location header as sent: relative or absolute
            role["success"] = {"redirect": r"^(https?://[^/]+)?" + re.escape(urlsplit(target).path or "/") + r"(\?|$)"}
            self.info["roles.login.success"] = f"the login answered a redirect to {target}"
        # the other accounts: one login each, to tell a typo now rather than in the run
        for u in self.users[1:]:
            if self.remaining() < self.max_seconds * 0.5:
                break
            other = self.login_with_form(self.login_form, u) if self.login_form else self.login_api(u)
            if not other.ok:
                self.notes.append(("info", f"login as {u['username']} failed: {other.why}"))
                self.above.setdefault("users", []).append(f"login as {u['username']} failed: {other.why}")
            elif other.jar is not None:
                self.other_jars[u["username"]] = other.jar
        self.learn_identity()

    def learn_identity(self) -> None:
        """``session.identity_field`` (and ``identity_values`` when the session keeps an id, not the name), read
        from the users' session cookies when the cookie is Flask's signed-not-encrypted format."""
        name = self.session.get("cookie_name")
        me = self.users[0]["username"]
        mine = session_payload(self.user_jar.cookies.get(name, "")) if self.user_jar and name else None
        if mine is None:
            return
        for k, v in mine.items():
            if v == me:
                self.session["identity_field"] = k
                self.info["session.identity_field"] = f"the session cookie (signed, not encrypted) holds {k}: {me}"
                return
        if len(self.users) < 2 or self.users[1]["username"] not in self.other_jars:
            return
        other = self.users[1]["username"]
        theirs = session_payload(self.other_jars[other].cookies.get(name, "")) or {}
        diff = [k for k, v in mine.items() if k in theirs and theirs[k] != v and isinstance(v, (str, int))
                and not isinstance(v, bool) and isinstance(theirs[k], (str, int)) and not _CSRF_NAME.search(k)]
        named = [k for k in diff if re.search(r"user|uid|account|member|ident|owner|login|principal|^sub$", k, re.I)]
        pick = named if len(named) == 1 else diff if len(diff) == 1 else []
        if not pick:
            return
        k = pick[0]
        self.session["identity_field"] = k
        self.session["identity_values"] = {me: str(mine[k]), other: str(theirs[k])}
        self.info["session.identity_field"] = (f"the key of the session cookie (signed, not encrypted) that differs "
                                               f"between {me}'s and {other}'s")
        if not named:
            self.guess["session.identity_field"] = "the only key that differs between the two users' sessions"

    def missing_login_dependents(self, why: str) -> None:
        for r in ("whoami", "logout"):
            self.missing.setdefault(r, why)

    def describe_api_login(self) -> None:
        path = self.api_login["path"]
        if not self.users:
            self.missing["login"] = f"{path} answers GET with 405 (POST only) but no credentials were given"
            return
        res = self.login_api(self.users[0])
        if not res.ok:
            self.missing["login"] = f"{path} answers GET with 405 (POST only); a form login there failed: {res.why}"
            return
        data = res.final.json() if res.final else None
        fmt = self.api_login.get("format", "form")
        if fmt == "form" and isinstance(data, dict) and data.get("user") == self.users[0]["username"]:
            self.roles["login"] = path           # the §2 shape: urlencoded username/password, JSON {"user": ...}
            self.info["roles.login"] = 'POST username/password (urlencoded) answers JSON {"user": ...} (the §2 shape)'
        else:
            self.roles["login"] = {"path": path, "fields": {"username": "username", "password": "password"}}
            if fmt == "json":
                self.roles["login"]["content_type"] = "json"
            self.guess["roles.login"] = (f"no HTML login form; POST {path} with username/password "
                                         f"({fmt}) set the session cookie")
        self.after_login(res, f"POST {path}")

    def login_api(self, user: dict) -> _Login:
        path = self.api_login["path"]
        for fmt in ("form", "json"):
            jar = Jar()
            if fmt == "form":
                body = _form_body([("username", user["username"]), ("password", user["password"])])
            else:
                body = Body(json.dumps({"username": user["username"], "password": user["password"]}).encode(),
                            "application/json", "discover json login")
            n_log = len(self.log)
            res = self.fetch("POST", self.origin + path, jar, body=body)
            if res is None or not res.ok:
                return _Login(False, f"POST {path} got no answer")
            if res.status in (400, 415, 422) and fmt == "form":
                continue
            self.api_login["format"] = fmt
            return self.judge_login(res, jar, {}, user, n_log, None)
        return _Login(False, f"POST {path} refused both a form and a JSON body")

    # ------------------------------------------------------------------ identity

    def find_identity(self) -> None:
        if not self.users:
            self.missing["whoami"] = "no credentials given (--user/--password)"
            self.missing.setdefault("logout", "no credentials given (--user/--password)")
            self.find_logout()
            return
        if not self.user_jar:
            self.find_logout()
            return
        name = self.users[0]["username"]
        html_found = self.identity_in_html(name)
        json_found = self.identity_in_json(name)
        if json_found:
            path, pointer, anon, plain = json_found
            if plain:
                self.roles["whoami"] = path
                self.info["roles.whoami"] = 'JSON {"user": <name>}, {"user": null} when anonymous (the §2 shape)'
            else:
                self.roles["whoami"] = {"path": path, "extract": {"json": pointer}, "anonymous": anon}
            if html_found:
                self.above.setdefault("roles.whoami", []).append(
                    f"the name also shows in HTML: GET {html_found[0]} {{select: {html_found[1]!r}}}")
        elif html_found:
            path, sel, anon = html_found
            self.roles["whoami"] = {"path": path, "extract": {"select": sel}, "anonymous": anon}
        else:
            marker = self.identity_marker()
            if marker:
                path, rx, anon = marker
                self.roles["whoami"] = {"path": path, "marker": rx, "anonymous": anon}
                self.guess["roles.whoami"] = ("no page shows the user name; the log-out control marks a logged-in "
                                              "page")
            else:
                self.missing["whoami"] = "no page shows the user name after login"
        self.find_logout()

    def anonymous_get(self, path: str) -> _Fetched | None:
        """GET ``path`` as a visitor without cookies (not followed; one request per path)."""
        if path not in self._anonymous:
            self._anonymous[path] = self.get(path, Jar(), follow=False)
        return self._anonymous[path]

    def anonymous_answer(self, path: str, has_identity: Callable[[_Fetched], bool]) -> list[str] | None:
        f = self.anonymous_get(path)
        if f is None or not f.ok:
            return None
        if f.status in (401, 403):
            return [f.status]
        if f.status and 300 <= f.status < 400:
            return ["redirect"]
        if f.status == 200 and not has_identity(f):
            return ["no-identity"]
        return None

    def identity_in_html(self, name: str) -> tuple[str, str, list] | None:
        word = _word_re(name)
        pages = sorted(self.all_pages(auth=True), key=lambda p: (p.path != _path_of(self.start_url), "?" in p.path,
                                                                 p.depth))
        for p in pages[:8]:
            if p.status != 200:
                continue
            for el in p.soup.find_all(True):
                if el.name in ("script", "style", "title", "head", "textarea", "option", "noscript", "template"):
                    continue
                if not word.search(_own_text(el)):
                    continue
                sel = selector_for(el, p.soup)
                if not sel:
                    continue

                def anon_has(f: _Fetched, sel=sel) -> bool:
                    if not f.html:
                        return False
                    t = select_text(parse_html(f.resp.text), sel)
                    return bool(t and word.search(t))
                anon = self.anonymous_answer(p.path, anon_has)
                if anon is None:
                    continue
                return p.path, sel, anon
        return None

    def identity_in_json(self, name: str) -> tuple[str, str, list, bool] | None:
        cands = list(WHOAMI_PATHS)
        for p in self.all_pages():
            for link in p.links:
                path = urlsplit(link).path
                if self.same_origin(link) and path.startswith("/api/") and path not in cands:
                    cands.append(path)
        for path in cands[:14]:
            f = self.get(path, self.user_jar, follow=False)
            if f is None or not f.ok or f.status != 200:
                continue
            data = f.json()
            if data is None:
                continue
            ptr = json_pointer_to(data, name)
            if ptr is None:
                continue

            def anon_has(g: _Fetched, ptr=ptr) -> bool:
                d = g.json()
                v = json_pointer_get(d, ptr) if d is not None else None
                return v == name
            anon = self.anonymous_answer(path, anon_has)
            if anon is None:
                continue
            plain = False
            if ptr == "/user" and anon == ["no-identity"]:
                g = self.anonymous_get(path)
                plain = bool(g and isinstance(g.json(), dict) and "user" in g.json() and g.json()["user"] is None)
            return path, ptr, anon, plain
        return None

    def identity_marker(self) -> tuple[str, str, list] | None:
        """A page whose log-out control (button or link text) shows only to the logged-in user."""
        for page in sorted(self.all_pages(auth=True), key=lambda p: ("?" in p.path, p.depth))[:3]:
            texts = [f.submit_text for f in page.forms if f.kind() == "logout" and f.submit_text]
            texts += [a.get_text().strip() for a in page.soup.find_all("a", href=True)
                      if _LOGOUT_WORDS.search(_attr(a, "href")) and a.get_text().strip()]
            for text in texts[:1]:
                rx = re.escape(text)
                anon = self.anonymous_answer(page.path, lambda g, rx=rx: bool(re.search(rx, g.resp.text)))
                if anon:
                    return page.path, rx, anon
        return None

    def find_logout(self) -> None:
        forms = [f for f in self.all_forms() if f.kind() == "logout" and f.method == "POST"]
        if forms:
            f = forms[0]
            role = {"path": f.action_path, "method": "POST"}
            if f.csrf_fields():
                role["csrf"] = "field"
            self.roles["logout"] = role
            self.logout_form = f
            if not self.submit_forms:
                self.guess["roles.logout"] = f"the form on {f.page_path} posts there; not submitted (no --submit-forms)"
            return
        self.logout_form = None
        for p in self.all_pages(auth=True) + self.all_pages(auth=False):
            for link in p.links:
                if self.same_origin(link) and _LOGOUT_WORDS.search(urlsplit(link).path):
                    self.roles["logout"] = {"path": _path_of(link), "method": "GET"}
                    self.guess["roles.logout"] = f"a link on {p.path}; log-out links are never followed"
                    return
        if self.api_login and self.user_jar:
            for path in LOGOUT_PATHS:
                f = self.get(path, Jar(), follow=False)
                if f and f.ok and f.status == 405 and "POST" in (f.resp.header("Allow") or "").upper():
                    self.roles["logout"] = path
                    self.guess["roles.logout"] = f"GET {path} answers 405 (POST only); not submitted"
                    return
        if "logout" not in self.roles:
            self.missing.setdefault("logout", "no log-out form or link after login")

    # ------------------------------------------------------------------ CSRF

    def find_csrf(self) -> None:
        field_pages: dict[str, list[tuple[Page, str]]] = {}
        meta_pages: list[tuple[Page, str, str]] = []
        spring_header = None
        for p in sorted(self.pages.values(), key=lambda p: (not p.auth, p.depth)):
            for f in p.forms:
                for x in f.csrf_fields():
                    field_pages.setdefault(x.name, []).append((p, x.value))
            for m in p.soup.find_all("meta"):
                n = _attr(m, "name").strip().lower()
                if n == "_csrf_header" and m.get("content"):
                    spring_header = _attr(m, "content").strip()
                if n in _CSRF_META and n != "csrf-param" and m.get("content"):
                    meta_pages.append((p, _attr(m, "name").strip(), _attr(m, "content")))
        cookie_names = [n for n in self.cookies if re.search(r"csrf|xsrf", n, re.I)]
        if field_pages:
            name = max(field_pages, key=lambda n: len(field_pages[n]))
            pages = field_pages[name]
            # a page that carries the token for the logged-in session, else an anonymous one
            auth_paths = [pg.path for pg, _ in pages if pg.auth]
            anon_paths = [pg.path for pg, _ in pages if not pg.auth]
            both = [x for x in auth_paths if x in anon_paths]
            login_page = self.login_form.page_path if self.login_form else None
            anon_paths.sort(key=lambda x: (x != login_page, bool(_REGISTER_WORDS.search(x))))
            if not both and anon_paths and self.user_jar is not None:
                # a page that gives an anonymous visitor a token (the login page) may give the user one too
                g = self.get(anon_paths[0], self.user_jar, follow=False)
                if g is not None and g.ok and g.status == 200 and g.html and any(
                        x.name == name for f in extract_forms(parse_html(g.resp.text), g.url) for x in f.csrf_fields()):
                    both = [anon_paths[0]]
            forms = self.all_forms()
            prefer_forms = [f.page_path for f in forms if f.kind() == "post"] + \
                [f.page_path for f in forms if f.kind() == "upload"]
            ordered = both + [x for x in prefer_forms if x in auth_paths] + auth_paths + anon_paths
            path = ordered[0]
            self.roles["csrf_token"] = {"path": path, "extract": {"input": name}}
            self.csrf["field"] = name
            token = pages[0][1]
            self.csrf["header"] = self.csrf_header_for(name, token)
            self.guess["csrf.header"] = "the header name is not in the page; the usual one for this token"
            if not any(pg.auth for pg, _ in pages) and self.user_jar:
                self.guess["roles.csrf_token"] = "the token was seen only on pages of an anonymous visitor"
            self.model_guess(token, name)
            if meta_pages:
                self.notes.append(("info", f"also a <meta name={meta_pages[0][1]}> token on {meta_pages[0][0].path}"))
            if cookie_names:
                self.notes.append(("info", f"also CSRF cookie(s): {', '.join(cookie_names)}"))
            return
        if meta_pages:
            p, name, token = meta_pages[0]
            self.roles["csrf_token"] = {"path": p.path, "extract": {"meta": name}}
            self.csrf["header"] = spring_header or self.csrf_header_for(name, token)
            param = None
            for m in p.soup.find_all("meta"):
                if _attr(m, "name").strip().lower() in ("csrf-param", "_csrf_parameter") and m.get("content"):
                    param = _attr(m, "content").strip()
            if param:
                self.csrf["field"] = param
            if not spring_header:
                self.guess["csrf.header"] = "the header name is not in the page; the usual one for this meta tag"
            return
        if cookie_names:
            name = cookie_names[0]
            self.roles["csrf_token"] = {"path": self.cookies[name].first.split(" ", 1)[1].split("?", 1)[0],
                                        "extract": {"cookie": name}}
            self.csrf["header"] = {"csrftoken": "X-CSRFToken", "xsrf-token": "X-XSRF-TOKEN",
                                   "csrf_access_token": "X-CSRF-TOKEN"}.get(name.lower(), "X-CSRF-Token")
            self.guess["csrf.header"] = "a double-submit cookie; the header is the usual one for this cookie name"
            self.guess["roles.csrf_token"] = f"the cookie {name} looks like a double-submit CSRF token"
            return
        jar = self.user_jar or self.anon
        for path in CSRF_PATHS:
            f = self.get(path, jar, follow=False)
            if f is None or not f.ok or f.status != 200:
                continue
            data = f.json()
            if not isinstance(data, dict):
                continue
            keys = [k for k, v in data.items() if isinstance(v, str) and v and re.search(r"csrf|xsrf|token", k, re.I)]
            if not keys:
                continue
            k = keys[0]
            if k == "csrf_token":
                self.roles["csrf_token"] = path
                self.info["roles.csrf_token"] = 'JSON {"csrf_token": ...} (the §2 shape)'
            else:
                self.roles["csrf_token"] = {"path": path, "extract": {"json": "/" + k}}
            self.csrf["field"] = "csrf_token"
            self.csrf["header"] = "X-CSRFToken"
            self.guess["csrf.field"] = "the JSON endpoint does not say which form field carries the token"
            self.guess["csrf.header"] = "the JSON endpoint does not say which header carries the token"
            self.model_guess(data[k], "csrf_token")
            return
        self.missing["csrf_token"] = ("no CSRF token found (hidden input named like csrf/token, "
                                      "<meta name=csrf-token>, a csrf/xsrf cookie, or a JSON endpoint such as /csrf)")

    def csrf_header_for(self, name: str, token: str) -> str:
        n = name.lower()
        if n == "csrfmiddlewaretoken":
            return "X-CSRFToken"
        if n == "authenticity_token" or n == "csrf-token":
            return "X-CSRF-Token"
        if n in ("_token", "_csrf"):
            return "X-CSRF-TOKEN"
        if n == "csrf_token":
            return "X-CSRFToken"
        return "X-CSRF-Token"

    def model_guess(self, token: str, name: str) -> None:
        # Flask-WTF's token: URLSafeTimedSerializer over a JSON string: base64('"...') . timestamp . signature
        parts = token.split(".")
        if name != "csrf_token" or len(parts) != 3:
            return
        try:
            raw = base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4))
            is_json_string = isinstance(json.loads(raw), str)
        except (ValueError, UnicodeDecodeError):
            is_json_string = False
        if is_json_string:
            self.csrf["model"] = "flask-wtf"
            self.guess["csrf.model"] = "the token has the shape of Flask-WTF's (a signed, timestamped JSON string)"

    # ------------------------------------------------------------------ forms

    def find_forms(self) -> None:
        forms = self.all_forms()
        posts = [f for f in forms if f.kind() == "post" and any(x.textlike for x in f.fields)]
        comments = [f for f in posts if _COMMENT_WORDS.search(f.clues() + " " + " ".join(x.name for x in f.fields))]
        others = [f for f in posts if f not in comments]
        others.sort(key=lambda f: (not f.auth, not re.search(r"create|new|add|post|note|write|edit|update|save",
                                                              f.clues(), re.I), bool(re.search(r"edit|update",
                                                                                               f.clues(), re.I))))
        self.state_form = others[0] if others else (comments[0] if comments else None)
        self.comment_form = comments[0] if comments else None
        if self.state_form:
            f = self.state_form
            self.roles["state_change"] = self.post_role(f, role_name="state_change")
            self.roles["state_probe"] = {"path": "/", "extract": {"contains": "value"}}
            if not self.submit_forms:
                self.guess["roles.state_change"] = (f"the form on {f.page_path}; not submitted (no --submit-forms), "
                                                    "so it is not known to change state")
                self.guess["roles.state_probe"] = ("where the written value should show: not verified "
                                                   "(no --submit-forms); / assumed")
        else:
            self.missing["state_change"] = ("no POST form with a text field besides login, logout, search, "
                                            "registration and delete")
            self.missing["state_probe"] = "no state_change form"
        if self.comment_form:
            f = self.comment_form
            self.roles["comment_post"] = self.post_role(f, role_name="comment_post")
            self.roles["comment_list"] = f.page_path
            if not self.submit_forms:
                self.guess["roles.comment_post"] = f"the form on {f.page_path} looks like a comment form; not submitted"
                self.guess["roles.comment_list"] = "the page of the comment form; not verified (no --submit-forms)"
        elif self.state_form and any(x.type == "textarea" for x in self.state_form.fields):
            # no comment form: the state form's text area stores user text the same way
            f = self.state_form
            area = next(x for x in f.fields if x.type == "textarea")
            self.comment_form = f
            self.roles["comment_post"] = self.post_role(f, param_field=area, role_name="comment_post")
            self.roles["comment_list"] = "/"
            if self.roles["comment_post"].get("as"):
                self.roles["comment_list"] = {"path": "/", "as": "user1"}
            self.guess["roles.comment_post"] = (f"no comment form; the text area {area.name!r} of the form on "
                                                f"{f.page_path} stores user text" +
                                                ("" if self.submit_forms else " (not submitted)"))
            self.guess["roles.comment_list"] = "where the state form's text should show: / assumed"
        else:
            self.missing["comment_post"] = ("no form that looks like a comment form (comment/reply in its action or "
                                            "fields)")
            self.missing["comment_list"] = "no comment form"
        uploads = [f for f in forms if f.kind() == "upload" and f.method == "POST"]
        self.upload_form = uploads[0] if uploads else None
        if self.upload_form:
            f = self.upload_form
            role = self.post_role(f, param_field=f.files[0], role_name="upload")
            self.roles["upload"] = role
            if not self.submit_forms:
                self.guess["roles.upload"] = f"the multipart form on {f.page_path}; not submitted (no --submit-forms)"
            self.missing["download"] = "no upload submitted (needs --submit-forms)"
        else:
            self.missing["upload"] = "no POST form with a file input"
            self.missing["download"] = "no upload form"
        # form_echo: an endpoint that reads the whole form for an anonymous request. The login form does (it needs
        # the credentials); a login-only form may answer a redirect to the login before it reads the body, which
        # a limit scenario would take for "reached the app".
        cands = [f for f in ([self.login_form] if self.login_form else []) + [self.state_form, self.comment_form,
                                                                               self.upload_form] if f is not None]
        cands += [f for f in forms if f.method == "POST" and f.kind() in ("post", "upload", "login")]
        cands = [f for f in cands if f.method == "POST"]
        echo = next((f for f in cands if not self.login_only(f)), cands[0] if cands else None)
        if echo is not None:
            self.roles["form_echo"] = {"path": echo.action_path, "method": "POST"}
            if self.login_only(echo):
                self.guess["roles.form_echo"] = ("the form shows only to a logged-in user; an anonymous request may "
                                                 "be redirected before its body is read")
            else:
                self.info["roles.form_echo"] = "a POST form endpoint: the limit scenarios judge the status only"
        else:
            self.missing["form_echo"] = "no POST form found"
        self.find_password_reset(forms)
        for f in forms:
            if f.kind() in ("destructive", "sensitive"):
                self.notes.append(("info", f"{f.kind()} form left alone: {f.method} {f.action_path} "
                                           f"(on {f.page_path})"))

    def find_password_reset(self, forms: list[Form]) -> None:
        """The form that asks for a password-reset link: mapped (its scenario reads the answer to a request with a
        foreign Host), never submitted by discovery (it sends mail)."""
        def text(f: Form) -> list[FormField]:
            return [x for x in f.fields if x.textlike and x.type != "hidden"]
        def pick(forms: list[Form]) -> list[Form]:
            return [f for f in forms if f.method == "POST" and f.kind() == "sensitive" and not f.passwords and
                    text(f) and re.search(r"reset|forgot|recover|lost", f.clues(), re.I) and self.same_origin(
                        f.action_url)]
        resets = pick(forms)
        if not resets:
            # the crawl follows no link that says reset; the page that asks for the link is only a form to GET
            links = [link for p in self.all_pages() for link in p.links if self.same_origin(link)
                     and not urlsplit(link).query and _RESET_LINK.search(urlsplit(link).path)]
            for link in list(dict.fromkeys(links))[:2]:
                g = self.get(link, self.anon, follow=False)
                page = self.pages_from(g, 2, auth=False) if g is not None and g.status == 200 else None
                resets = pick(page.forms) if page else []
                if resets:
                    break
        if not resets:
            self.missing["password_reset"] = "no form that asks for a password-reset link"
            return
        f = resets[0]
        fields = text(f)
        param = next((x for x in fields if re.search(r"user|login|name|account", x.name, re.I)),
                     next((x for x in fields if re.search(r"mail", x.name, re.I) or x.type == "email"), fields[0]))
        role: dict[str, Any] = {"path": f.action_path, "method": "POST", "form_page": f.page_path,
                                "param": param.name}
        if f.csrf_fields():
            role["csrf"] = "field"
        self.roles["password_reset"] = role
        self.info["roles.password_reset"] = f"the form on {f.page_path} asks for a reset link; never submitted"
        if param.type == "email" or not re.search(r"user|login|name|account", param.name, re.I):
            self.guess["roles.password_reset"] = (f"the field {param.name!r} may want an e-mail address; the "
                                                  "scenario sends a user name")

    def login_only(self, f: Form) -> bool:
        """The form was found only while logged in (an anonymous visitor never saw it)."""
        return f.auth and not any(g.key() == f.key() for p in self.all_pages(auth=False) for g in p.forms)

    def submission(self, f: Form, role: dict[str, Any], fields: dict[str, str]) -> None:
        """How the role's form is sent: its other fields, multipart when the form says so, and where its CSRF
        token goes (a hidden field of the form, else the header or nothing the site's token mapping found)."""
        if fields:
            role["fields"] = fields
        if f.enctype.startswith("multipart/"):
            role["content_type"] = "multipart"
        if f.csrf_fields():
            role["csrf"] = "field"
        elif self.roles.get("csrf_token"):
            role["csrf"] = "header" if "header" in self.csrf and "field" not in self.csrf else "none"

    def post_role(self, f: Form, param_field: FormField | None = None, role_name: str = "") -> dict[str, Any]:
        as_user = role_name in ("upload", "comment_post") and self.login_only(f) and bool(self.users)
        text = [x for x in f.fields if x.textlike and x.type != "hidden"]
        param = param_field or (text[0] if text else None)
        role: dict[str, Any] = {"path": f.action_path, "method": f.method, "form_page": f.page_path}
        if param is not None:
            role["param"] = param.name
        fields = {}
        for x in f.fields:
            if x is param or _CSRF_NAME.search(x.name) and x.type == "hidden":
                continue
            v = _harmless(x)
            if v is not None and x.name not in fields:
                fields[x.name] = v
        self.submission(f, role, fields)
        if as_user:
            # scenarios of these roles run anonymously unless the role says whose session to use
            role["as"] = "user1"
            self.info[f"roles.{role_name}.as"] = f"the form on {f.page_path} shows only to a logged-in user"
        return role

    # ------------------------------------------------------------------ reflections

    def find_reflections(self) -> None:
        jar_for = lambda auth: (self.user_jar if auth and self.user_jar else self.anon)  # noqa: E731
        tests: list[tuple[str, str, dict[str, str], bool, str]] = []   # path, param, fixed fields, auth, origin
        seen = set()
        for f in self.all_forms():
            if f.method != "GET" or not self.same_origin(f.action_url) or _UNSAFE_LINK.search(f.action_path):
                continue
            for x in [x for x in f.fields if x.textlike and x.type != "hidden"][:3]:
                fixed = {}
                for y in f.fields:
                    if y.name == x.name or y.type in ("submit", "button"):
                        continue
                    if (y.type in ("checkbox", "radio") and y.checked) or (y.type not in ("checkbox", "radio")
                                                                           and y.value):
                        fixed.setdefault(y.name, y.value)
                key = (urlsplit(f.action_url).path, x.name)
                if key not in seen:
                    seen.add(key)
                    tests.append((f.action_url.split("?", 1)[0], x.name, fixed, f.auth,
                                  f"the search form on {f.page_path}"))
        for p in sorted(self.pages.values(), key=lambda p: (p.auth, p.depth)):
            for link in p.links:
                if not self.same_origin(link):
                    continue
                u = urlsplit(link)
                if not u.query or _UNSAFE_LINK.search(u.path + "?" + u.query):
                    continue
                q = parse_qsl(u.query, keep_blank_values=True)
                for k, _v in q[:4]:
                    key = (u.path, k)
                    if key in seen:
                        continue
                    seen.add(key)
                    fixed = {a: b for a, b in q if a != k}
                    tests.append((urlunsplit((u.scheme, u.netloc, u.path, "", "")), k, fixed, p.auth,
                                  f"a link on {p.path}"))
        found: dict[str, tuple] = {}
        for url, param, fixed, auth, where in tests[:20]:
            canary = CANARY_PREFIX + secrets.token_hex(5)
            q = dict(fixed)
            q[param] = canary
            f = self.get(url + "?" + urlencode(q), jar_for(auth), follow=False)
            if f is None:
                break
            self.tested_params += 1
            if not f.ok or f.status != 200 or not f.html:  # a redirect (to the login page) is no reflection
                continue
            for ctx in sorted(reflection_contexts(f.resp.text, canary)):
                if ctx not in found:
                    found[ctx] = (_path_of(url), param, fixed, where, f.status)
                    if ctx == "reflect_json_attr":
                        self.json_seen[("GET", _path_of(url), param)] = json_attributes(f.resp.text, canary)
        for ctx in _REFLECT_ROLES:
            if ctx in found:
                path, param, fixed, where, status = found[ctx]
                role: dict[str, Any] = {"path": path, "param": param}
                if fixed:
                    role["fields"] = fixed
                self.roles[ctx] = role
                if ctx == "reflect_json_attr":
                    attrs = _describe_json_attributes(self.json_seen.get(("GET", path, param), []))
                    self.above.setdefault(f"roles.{ctx}", []).append(
                        f"found: {param} ({where}) came back {_CONTEXT_WORDS[ctx]}" + (f" ({attrs})" if attrs else ""))
                else:
                    self.info[f"roles.{ctx}"] = f"{param} ({where}) came back"
            else:
                self.missing[ctx] = (f"no GET form field or link parameter came back in that context "
                                     f"({self.tested_params} tested)" if self.tested_params else
                                     "no GET form and no link with a query parameter to test")
                if not self.submit_forms and self.user_jar is not None:
                    self.missing[ctx] += "; stored reflections are looked for with --submit-forms"

    # ------------------------------------------------------------------ static, redirect, errors, http_url

    def find_static(self) -> None:
        for s in self.statics[:3] + [self.origin + p for p in STATIC_FALLBACKS]:
            f = self.get(s, self.anon, follow=False)
            if f is not None and f.ok and f.status == 200 and f.resp.body:
                self.roles["static"] = _path_of(s)
                if s.startswith(self.origin + "/") and _path_of(s) in STATIC_FALLBACKS:
                    self.info["roles.static"] = "no stylesheet or script linked; a well-known file answered 200"
                return
        self.missing["static"] = "no same-origin stylesheet or script answered 200"

    def find_redirect_and_errors(self) -> None:
        if not any(p != t for p, _, t in self.redirects) and self.user_jar is not None:
            # a page only the user was shown, asked anonymously, often redirects to the login
            anon = {urlsplit(p.url).path for p in self.all_pages(auth=False)}
            for p in [p for p in self.all_pages(auth=True) if urlsplit(p.url).path not in anon][:3]:
                f = self.get(p.url, Jar(), follow=False)
                if f is not None and f.ok and f.status and 300 <= f.status < 400:
                    break
        for path, status, target in self.redirects:
            if path != target and CANARY_PREFIX not in path:
                self.roles["redirect"] = path
                self.info["roles.redirect"] = f"GET {path} answered {status} to {target}"
                break
        else:
            self.missing["redirect"] = "no GET answered a same-origin redirect during the crawl"
        errors = [(p, st) for p, st in self.errors if CANARY_PREFIX not in p]
        if errors:
            path, status = errors[0]
            self.roles["server_error"] = path
            self.guess["roles.server_error"] = f"GET {path} answered {status} during the crawl; it may not always"
        else:
            self.missing["server_error"] = ("no page answered 5xx during the crawl (discovery does not try to cause "
                                            "errors)")
        self.missing["json_echo"] = ("discovery sends no JSON bodies to endpoints it does not know; map a POST "
                                     "endpoint that parses JSON by hand")

    def find_http_url(self) -> None:
        if not self.http_url:
            return
        u = urlsplit(self.http_url)
        if u.scheme != "http" or not u.netloc:
            self.notes.append(("info", f"--http-url {self.http_url} is not an http:// URL; left out"))
            return
        url = f"http://{u.netloc}/"
        f = self.fetch("GET", url, None, follow=False, allow_other_origin=True)
        if f is not None and f.ok:
            self.http_url_found = f"http://{u.netloc}"
            self.info["http_url"] = f"GET {url} answered {f.status}" + (
                f" to {f.resp.header('Location')}" if f.resp.header("Location") else "")
        else:
            self.notes.append(("missing", f"http_url — {url} did not answer"
                                          + (f" ({f.resp.error})" if f is not None else "")))

    # ------------------------------------------------------------------ with --submit-forms

    def submit(self) -> None:
        if not self.submit_forms:
            return
        if self.state_form and self.user_jar is not None or (self.state_form and not self.state_form.auth):
            self.verify_state()
        if self.comment_form:
            self.verify_comment()
        if self.upload_form:
            self.verify_upload()
        if self.user_jar is not None:
            self.find_stored_reflections()
        if self.logout_form and self.user_jar is not None:
            self.verify_logout()

    def fill(self, f: Form, jar: Jar, role: dict, value: str | None,
             files: list[tuple[str, str, bytes, str]] = ()) -> _Fetched | None:
        """GETs the form page with ``jar``, fills the fresh form (hidden inputs as given, ``param`` = value, the
        role's fixed fields) and submits it."""
        page_f = self.get(f.page_url, jar)
        fresh = f
        if page_f is not None and page_f.ok and page_f.html:
            for g in extract_forms(parse_html(page_f.resp.text), page_f.url):
                if g.key() == f.key():
                    fresh = g
                    break
        pairs: list[tuple[str, str]] = [(x.name, x.value) for x in fresh.fields if x.type == "hidden"]
        for k, v in (role.get("fields") or {}).items():
            pairs.append((k, v))
        if value is not None and role.get("param"):
            pairs.append((role["param"], value))
        for x in fresh.fields:
            if x.type in ("submit", "button") and x.name not in {k for k, _ in pairs}:
                pairs.append((x.name, x.value))
                break
        body = _multipart_body(pairs, list(files)) if (files or fresh.enctype.startswith("multipart/")) \
            else _form_body(pairs)
        return self.fetch(fresh.method, fresh.action_url, jar, body=body, referer=fresh.page_url)

    def shows(self, paths: list[str], jar: Jar, value: str) -> str | None:
        for p in dict.fromkeys(paths):
            g = self.get(p, jar)
            if g is not None and g.ok and g.html and value in parse_html(g.resp.text).get_text(" "):
                return p
        return None

    def verify_state(self) -> None:
        f = self.state_form
        jar = self.user_jar if f.auth and self.user_jar else self.anon
        value = CANARY_PREFIX + secrets.token_hex(5)
        res = self.fill(f, jar, self.roles["state_change"], value)
        if res is None or not res.ok:
            self.guess["roles.state_change"] = "submitted with --submit-forms; no answer"
            return
        status = res.hops[0][1] if res.hops else res.status
        if status and status >= 400:
            self.guess["roles.state_change"] = f"submitted with --submit-forms: answered {status}"
            return
        shown_at = None
        if res.html and value in parse_html(res.resp.text).get_text(" "):
            shown_at = _path_of(res.url)
        if shown_at is None:
            shown_at = self.shows([_path_of(res.url), "/", f.page_path], jar, value)
        self.restore(f, jar, value)
        if shown_at:
            self.guess.pop("roles.state_change", None)
            self.info["roles.state_change"] = f"verified: a value written here (status {status}) showed on {shown_at}"
            self.accept_redirect("state_change", status)
            self.roles["state_probe"] = {"path": shown_at, "extract": {"contains": "value"}}
            self.guess.pop("roles.state_probe", None)
            self.info["roles.state_probe"] = "verified with --submit-forms"
        else:
            why = (f"the value written through {f.action_path} (status {status}) showed neither on the redirect "
                   "target, / nor the form page")
            self.guess["roles.state_change"] = why
            self.guess["roles.state_probe"] = why

    def accept_redirect(self, role_name: str, status: int | None) -> None:
        """A form that answered its accepted submission with a redirect: a 200 then means the form was shown
        again (invalid), so only 3xx is "accepted"."""
        role = self.roles.get(role_name)
        if isinstance(role, dict) and status and 300 <= status < 400:
            role["accept"] = ["3xx"]

    def restore(self, f: Form, jar: Jar, value: str) -> None:
        """An edit form (it shows what it stores) that was saved with ``value`` gets the values it had when the
        crawl saw it."""
        fresh, _ = self.fresh_form(f, jar)
        if fresh is None or not any(x.value == value for x in fresh.fields if x.type != "hidden"):
            return
        self.post_values(fresh, jar, {x.name: x.value for x in f.fields if x.type not in (
            "hidden", "submit", "button", "file") and (x.checked or x.type not in ("checkbox", "radio"))})

    def verify_comment(self) -> None:
        f = self.comment_form
        jar = self.user_jar if f.auth and self.user_jar else self.anon
        value = CANARY_PREFIX + secrets.token_hex(5)
        res = self.fill(f, jar, self.roles["comment_post"], value)
        if res is None or not res.ok:
            return
        shown = None
        if res.html and value in parse_html(res.resp.text).get_text(" "):
            shown = _path_of(res.url)
        shown = shown or self.shows([_path_of(res.url), f.page_path, "/"], jar, value)
        self.restore(f, jar, value)
        if shown:
            cl = self.roles.get("comment_list")
            self.roles["comment_list"] = {**cl, "path": shown} if isinstance(cl, dict) else shown
            self.accept_redirect("comment_post", res.hops[0][1] if res.hops else res.status)
            self.guess.pop("roles.comment_post", None)
            self.guess.pop("roles.comment_list", None)
            self.info["roles.comment_list"] = "verified with --submit-forms"
        else:
            why = (f"submitted with --submit-forms (status {res.status}); the text showed neither there, on the form "
                   "page nor /")
            self.guess["roles.comment_post"] = why
            self.guess["roles.comment_list"] = why

    def verify_upload(self) -> None:
        f = self.upload_form
        jar = self.user_jar if f.auth and self.user_jar else self.anon
        tag = CANARY_PREFIX + secrets.token_hex(5)
        fname = f"{tag}.txt"
        content = f"conformance upload {tag}\n".encode()
        role = self.roles["upload"]
        res = self.fill(f, jar, {k: v for k, v in role.items() if k != "param"}, None,
                        files=[(role.get("param", "file"), fname, content, "text/plain")])
        if res is None or not res.ok:
            self.guess["roles.upload"] = "submitted with --submit-forms; no answer"
            return
        status = res.hops[0][1] if res.hops else res.status
        if status and status >= 400:
            self.guess["roles.upload"] = f"submitted with --submit-forms: answered {status}"
            return
        self.guess.pop("roles.upload", None)
        self.info["roles.upload"] = f"verified: a file was accepted (status {status})"
        self.accept_redirect("upload", status)
        cands: list[str] = []
        data = res.json()
        if isinstance(data, dict) and isinstance(data.get("url"), str):
            cands.append(urljoin(res.url, data["url"]))
        pages = [res] if res.html else []
        for p in (_path_of(res.url), f.page_path, "/"):
            if res.html and p == _path_of(res.url):
                continue
            g = self.get(p, jar)
            if g is not None and g.ok and g.html:
                pages.append(g)
        for g in pages:
            soup = parse_html(g.resp.text)
            for a in soup.find_all("a", href=True):
                href = _attr(a, "href")
                if tag in href or tag in a.get_text():
                    cands.append(urljoin(g.url, href))
        for c in dict.fromkeys(cands):
            if not self.same_origin(c):
                continue
            d = self.get(c, jar)
            if d is not None and d.ok and d.status == 200 and d.resp.body == content:
                path = urlsplit(c).path
                prefix = path[: path.rfind("/") + 1]  # the prefix, as ROLES.md §2's /files/
                self.roles["download"] = {"path": prefix, "as": role["as"]} if role.get("as") else prefix
                self.missing.pop("download", None)
                self.info["roles.download"] = f"the uploaded file came back from its link under {prefix}"
                return
        self.missing["download"] = "no link to the uploaded file was found after the upload"

    # ------------------------------------------------------------------ stored reflections (--submit-forms)

    def stored_forms(self) -> list[Form]:
        """Logged-in forms that store user text and may be saved with canaries: POST, same origin, not a log-out,
        delete, mail, payment or credential form, no file, and no field for a password, an e-mail address or a
        phone number (a canary there would change where the account's mail goes)."""
        out = []
        for f in self.all_forms():
            if not (f.auth and f.method == "POST" and f.kind() == "post" and self.same_origin(f.action_url)):
                continue
            if _UNSAFE_LINK.search(f.action_path) or f.files or not _canary_fields(f):
                continue
            if any(x.type in ("email", "tel", "password") or _PERSONAL_FIELD.search(x.name)
                   for x in f.fields if x.type not in ("hidden", "submit", "button")):
                continue
            out.append(f)
        return out[:4]

    def fresh_form(self, f: Form, jar: Jar) -> tuple[Form | None, _Fetched | None]:
        """The form as ``jar``'s user is shown it now (current values, this session's hidden inputs)."""
        g = self.get(f.page_url, jar)
        if g is None or not g.ok or g.status != 200 or not g.html:
            return None, g
        for h in extract_forms(parse_html(g.resp.text), g.url, auth=f.auth):
            if h.key() == f.key():
                return h, g
        return None, g

    def post_values(self, fresh: Form, jar: Jar, values: dict[str, str]) -> _Fetched | None:
        pairs = [(x.name, x.value) for x in fresh.fields if x.type == "hidden" and x.name not in values]
        pairs += list(values.items())
        button = next((x for x in fresh.fields if x.type in ("submit", "button") and x.name not in values), None)
        if button is not None:
            pairs.append((button.name, button.value))
        body = _multipart_body(pairs, []) if fresh.enctype.startswith("multipart/") else _form_body(pairs)
        return self.fetch(fresh.method, fresh.action_url, jar, body=body, referer=fresh.page_url)

    def profile_paths(self, username: str) -> list[str]:
        """Pages of the logged-in user linked from the pages they are shown (``/u/alice``)."""
        out = []
        for p in sorted(self.all_pages(auth=True), key=lambda p: p.depth):
            for link in p.links:
                path = urlsplit(link).path
                if self.same_origin(link) and username in [unquote(x) for x in path.split("/") if x] \
                        and not _UNSAFE_LINK.search(path):
                    out.append(path)
        return list(dict.fromkeys(out))[:2]

    def save_with_canaries(self, f: Form, jar: Jar, user: str, only: str | None = None,
                           fixed: dict[str, str] | None = None, also: tuple[str, ...] = ()) -> dict[str, Any] | None:
        """Saves ``f`` as ``jar``'s user with a canary in each text field (or only in ``only``, the other fields
        ``fixed``), reads the pages the user is shown (and ``also``) for them, and puts an edit form's previous
        values back. Returns {"status", "redirect", "seen": {field: {page: contexts}}, "pages": [paths]} or None."""
        fresh, _ = self.fresh_form(f, jar)
        if fresh is None:
            return None
        cfields = {x.name for x in _canary_fields(fresh)}
        values: dict[str, str] = {}
        sent: dict[str, str] = {}
        for x in fresh.fields:
            if x.type in ("hidden", "submit", "button", "file"):
                continue
            if x.name in cfields and (only is None or x.name == only):
                tag = CANARY_PREFIX + secrets.token_hex(5)
                values[x.name] = sent[x.name] = (f"https://example.com/{tag}" if _url_field(x) else tag)
            elif fixed is not None and x.name in fixed:
                values[x.name] = fixed[x.name]
            elif x.type in ("checkbox", "radio"):
                if x.checked:
                    values[x.name] = x.value
            elif x.value or x.type in _TEXTLIKE or x.type == "textarea":
                values[x.name] = x.value if x.value or not x.required else (_harmless(x) or "")
            elif _harmless(x) is not None:
                values[x.name] = _harmless(x)
        res = self.post_values(fresh, jar, values)
        if res is None or not res.ok:
            return None
        status = res.hops[0][1] if res.hops else res.status
        out: dict[str, Any] = {"status": status, "redirect": bool(res.hops and status and 300 <= status < 400),
                               "seen": {k: {} for k in sent}, "pages": []}
        if status is None or status >= 400:
            return out
        first = _path_of(res.url) if res.hops and self.same_origin(res.url) else None
        page = self.roles.get("page") if isinstance(self.roles.get("page"), str) else "/"
        paths = [p for p in dict.fromkeys([first, f.page_path, *self.profile_paths(user), page, *also]) if p]
        edit_form = False
        for p in paths:
            g = res if p == first and res.status == 200 and res.html else self.get(p, jar)
            if g is None or not g.ok or g.status != 200 or not g.html:
                continue
            out["pages"].append(p)
            text = g.resp.text
            for name, value in sent.items():
                ctxs = reflection_contexts(text, value)
                if ctxs:
                    out["seen"][name][p] = ctxs
                if "reflect_json_attr" in ctxs:
                    self.json_seen[(f.action_path, p, name)] = json_attributes(text, value)
            if p == f.page_path:
                for h in extract_forms(parse_html(text), g.url, auth=f.auth):
                    if h.key() == f.key() and any(x.value in sent.values() for x in h.fields if x.name in sent):
                        edit_form = True
        if edit_form:  # the form shows what it stores: it gets its previous values back
            again, _ = self.fresh_form(f, jar)
            if again is not None:
                restore = dict(values)
                restore.update({x.name: x.value for x in fresh.fields if x.name in sent})
                self.post_values(again, jar, restore)
        return out

    def find_stored_reflections(self) -> None:
        me = self.users[0]["username"]
        gaps = [c for c in _REFLECT_ROLES if c not in self.roles]
        cands: list[tuple[int, int, int, str, Form, str, str, bool]] = []  # form, field, page order; ctx ...
        saved = []
        url_json: list[str] = []  # URL fields seen inside JSON in an attribute (their canary was a URL)
        for fi, f in enumerate(self.stored_forms()):
            got = self.save_with_canaries(f, self.user_jar, me)
            if got is None:
                continue
            saved.append(f)
            names = [x.name for x in f.fields]
            described = []
            for name, pages in got["seen"].items():
                where = [f"{p} ({', '.join(_CONTEXT_SHORT[c] for c in _REFLECT_ROLES if c in ctxs)})"
                         for p, ctxs in pages.items()]
                if where:
                    described.append(f"{name} shows on {', '.join(where)}")
                url = any(_url_field(x) for x in f.fields if x.name == name)
                for pi, (p, ctxs) in enumerate(pages.items()):
                    for c in ctxs:
                        if c == "reflect_json_attr" and url:
                            # the scenario's payload is no URL: a field that wants one would refuse it
                            url_json.append(f"{name} of the form on {f.page_path} (on {p})")
                            continue
                        cands.append((fi, names.index(name), pi, c, f, name, p, got["redirect"]))
            self.notes.append(("info", f"stored values: the form on {f.page_path} (POST {f.action_path}) was saved "
                                       f"with canaries (status {got['status']}): "
                                       + ("; ".join(described) if described else "none showed on "
                                          + ", ".join(got["pages"]))))
        chosen: dict[str, tuple] = {}
        for c in gaps:
            mine = sorted((x for x in cands if x[3] == c), key=lambda x: x[:3])
            if mine:
                chosen[c] = mine[0]
        by_form: dict[int, list[str]] = {}
        for c, x in chosen.items():
            by_form.setdefault(x[0], []).append(c)
        for fi, ctxs in by_form.items():
            # saving the form writes every field: each of its roles gets a user of its own while users last. One role
            # per field first, the rarer context first; then the users in the form's field order
            n_users = max(1, min(2, len(self.users)))
            ctxs.sort(key=lambda c: (chosen[c][1], _STORED_PRIORITY.index(c)))
            keep = [c for i, c in enumerate(ctxs) if i == 0 or chosen[ctxs[i - 1]][1] != chosen[c][1]][:n_users]
            keep += [c for c in sorted(ctxs, key=_STORED_PRIORITY.index) if c not in keep][:n_users - len(keep)]
            keep.sort(key=lambda c: (chosen[c][1], _STORED_PRIORITY.index(c)))
            for n, c in enumerate(keep):
                _, _, _, _, f, name, page, redirect = chosen[c]
                self.map_stored(c, f, name, page, redirect, n, keep)
            # more roles than users: a role shares the user of the role on its field (else user1); the runner never
            # runs two scenarios that save one stored form at the same time, so neither reads the other's value
            for c in sorted((c for c in ctxs if c not in keep), key=_STORED_PRIORITY.index):
                _, fld, _, _, f, name, page, redirect = chosen[c]
                n = next((k for k, o in enumerate(keep) if chosen[o][1] == fld), 0)
                self.map_stored(c, f, name, page, redirect, n, keep, shares=keep[n])
        for c in gaps:
            if c not in self.roles and c in self.missing and c not in chosen:
                self.missing[c] += (f"; no stored value came back in it either ({len(saved)} form"
                                    f"{'' if len(saved) == 1 else 's'} saved with canaries)")
                if c == "reflect_json_attr" and url_json:
                    self.missing[c] += (f"; only a URL field's did ({', '.join(dict.fromkeys(url_json))}), and the "
                                        "scenario's payload is no URL")

    def map_stored(self, ctx: str, f: Form, name: str, page: str, redirect: bool, n: int, siblings: list[str],
                   shares: str | None = None) -> None:
        """The role ``ctx`` as the form ``f`` with ``name`` as its param, shown on ``page``, used as user(n+1): the
        ``n``-th role of the form (``siblings``) has a user of its own, a role that ``shares`` the user of another
        has none left (the runner never runs two scenarios that save one stored form at the same time)."""
        x = next(y for y in f.fields if y.name == name)
        multi = len(siblings) > 1
        texts = {y.name for y in _canary_fields(f)}
        fields: dict[str, str] = {}
        for y in f.fields:
            if y is x or y.type in ("hidden", "submit", "button", "file"):
                continue
            if y.type in ("checkbox", "radio"):
                if y.checked:
                    fields[y.name] = y.value
            elif y.name in texts:
                # the other text fields: their current values (nothing else changes); with sibling roles, harmless
                cur = "" if multi else y.value
                fields[y.name] = cur if cur or not y.required else (_harmless(y) or "")
            elif y.value or _harmless(y) is not None:
                fields[y.name] = y.value or _harmless(y) or ""
        role: dict[str, Any] = {"path": f.action_path, "method": "POST", "form_page": f.page_path, "param": name}
        self.submission(f, role, fields)
        user = f"user{n + 1}"
        me = self.users[0]["username"]
        show = page
        why = (f"found: {name} of the form on {f.page_path} (POST {f.action_path}), saved with a canary, shows on "
               f"{page} {_CONTEXT_WORDS[ctx]}")
        if ctx == "reflect_json_attr" and self.json_seen.get((f.action_path, page, name)):
            why += f" ({_describe_json_attributes(self.json_seen[(f.action_path, page, name)])})"
        if shares:
            why += (f"; as {user}, like {shares}: no user is left, and the runner never runs two scenarios that save "
                    f"this form at the same time")
        elif n:
            first = siblings[0]
            why += (f"; as {user}: saving the form as user1 for {first} ({self.roles[first]['param']}) would "
                    f"overwrite it")
        if n:
            other = self.users[n]["username"]
            show = "/".join(other if unquote(s) == me else s for s in page.split("/"))
            ok = self.verify_stored(f, ctx, name, show, other, fields)
            if not ok:
                self.guess[f"roles.{ctx}"] = f"not seen as {other}: {show} did not show {name} saved by {other}"
        role["show"] = show
        role["as"] = user
        if redirect:
            role["accept"] = ["3xx"]
        self.roles[ctx] = role
        self.missing.pop(ctx, None)
        self.above.setdefault(f"roles.{ctx}", []).append(why)

    def verify_stored(self, f: Form, ctx: str, name: str, show: str, user: str, fields: dict[str, str]) -> bool:
        jar = self.other_jars.get(user)
        if jar is None:
            return False
        got = self.save_with_canaries(f, jar, user, only=name, fixed=fields, also=(show,))
        return bool(got and ctx in got["seen"].get(name, {}).get(show, set()))

    def verify_logout(self) -> None:
        f = self.logout_form
        jar = self.user_jar.copy()
        sess = self.session.get("cookie_name")
        res = self.fill(f, jar, {}, None)
        if res is None or not res.ok:
            return
        gone = sess is not None and jar.cookies.get(sess) != self.user_jar.cookies.get(sess)
        whoami = self.roles.get("whoami")
        still = False
        if isinstance(whoami, dict) and whoami.get("extract", {}).get("json"):
            g = self.get(whoami["path"], jar, follow=False)
            still = bool(g and g.json() is not None and
                         json_pointer_get(g.json(), whoami["extract"]["json"]) == self.users[0]["username"])
        if gone and not still:
            self.guess.pop("roles.logout", None)
            self.info["roles.logout"] = "verified with --submit-forms: the session cookie changed and the name is gone"

    # ------------------------------------------------------------------ the profile

    def result(self, reachable: bool) -> Discovery:
        u = urlsplit(self.start_url)
        host = u.hostname or "target"
        name = self.name or (host if not u.port else f"{host}-{u.port}")
        prof: dict[str, Any] = {"name": name,
                                "description": f"discovered from {self.start_url} by websec_conform discover",
                                "base_url": self.origin}
        if getattr(self, "http_url_found", None):
            prof["http_url"] = self.http_url_found
        roles = {r: self.roles[r] for r in ROLES if r in self.roles}
        prof["roles"] = roles
        if self.users:
            prof["users"] = [dict(x) for x in self.users]
        if self.session:
            prof["session"] = dict(self.session)
        if self.csrf:
            prof["csrf"] = {k: self.csrf[k] for k in ("model", "field", "header") if k in self.csrf}
        notes = list(self.notes)
        comments: dict[str, list[str]] = {}
        for path, lines in self.above.items():
            comments.setdefault(path, []).extend(lines)
        for path, why in self.guess.items():
            if _path_exists(prof, path):
                comments.setdefault(path, []).insert(0, f"guess: {why}")
                notes.append(("guess", f"{path}: {why}"))
        trailing = {p: t for p, t in self.info.items() if _path_exists(prof, p)}
        missing = {r: why for r, why in self.missing.items() if r not in roles}
        for r in ROLES:
            if r not in roles and r not in missing:
                missing[r] = "not looked for" if reachable else "the target did not answer"
        for r in ROLES:
            if r in missing:
                notes.append(("missing", f"{r} — {missing[r]}"))
        for k, t in self.notes:
            if k == "missing" and t not in [n[1] for n in notes]:
                notes.append((k, t))
        if self.users:
            comments.setdefault("users", []).insert(0, "the credentials given on the command line (keep this file "
                                                       "out of version control)")
        cookie_lines = self.cookie_report()
        for line in cookie_lines:
            notes.append(("info", f"cookie {line}"))
        elapsed = time.monotonic() - self.t0
        stats = {"pages": self.n_pages, "probes": self.n_probes, "requests": len(self.log),
                 "seconds": round(elapsed, 2), "offsite_links_skipped": len(self.refused),
                 "parameters_tested": self.tested_params, "out_of_time": self.out_of_time}
        header = [f"Target profile written by `scripts/conform discover` on "
                  f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC from {self.start_url}",
                  f"({stats['pages']} pages crawled, {stats['probes']} probes, {stats['requests']} requests in "
                  f"{stats['seconds']:.1f} s; forms {'were' if self.submit_forms else 'were not'} submitted).",
                  "Schema: conformance/ROLES.md §5. Check every '# guess:' before trusting the verdicts that rest",
                  "on it; the roles discovery could not find are listed at the end."]
        footer = []
        if cookie_lines:
            footer.append("cookies:")
            footer += [f"  {line}" for line in cookie_lines]
        extra_info = [t for k, t in self.notes if k == "info"]
        if extra_info:
            footer.append("notes:")
            footer += [f"  {t}" for t in extra_info]
        for r in ROLES:
            if r in missing:
                footer.append(f"not found: {r} — {missing[r]}")
        for k, t in self.notes:
            if k == "missing" and not t.split(" — ", 1)[0] in ROLES:
                footer.append(f"not found: {t}")
        return Discovery(prof, notes, stats, comments, trailing, header, footer, list(self.log))

    def cookie_report(self) -> list[str]:
        out = []
        sess = self.session.get("cookie_name")
        csrf_cookie = (self.roles.get("csrf_token") or {}).get("extract", {}).get("cookie") \
            if isinstance(self.roles.get("csrf_token"), dict) else None
        for name, c in self.cookies.items():
            low = name.lower()
            if name == sess:
                what = "the session cookie"
            elif re.search(r"remember", low):
                what = "a remember-me cookie"
            elif name == csrf_cookie or re.search(r"csrf|xsrf", low):
                what = "a CSRF cookie"
            elif _PREFERENCE_NAME.search(low):
                what = "a preference cookie"
            elif c.at_login:
                what = "set at login"
            else:
                what = "a cookie"
            when = f"first set by {c.first}" + (" (anonymous)" if c.anonymous else "")
            if c.at_login and name != sess:
                when += ", set or changed at login"
            elif name == sess and c.first.startswith("GET"):
                when += ", changed at login"
            out.append(f"{name}: {what}; {when}; {c.attrs or 'no attributes'}")
        return out


def _path_exists(d: dict, path: str) -> bool:
    cur: Any = d
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return False
        cur = cur[part]
    return True


# ---------------------------------------------------------------------------------------------- expectations

NORMAL_BASE_URL = "https://127.0.0.1:8443"
NORMAL_HTTP_URL = "http://127.0.0.1:8080"


def normalise(text: str) -> str:
    """A discovered profile as it is kept for comparison (``conformance/profiles/*.discovered.yaml``): what differs
    from run to run is replaced by fixed text — the origin (``base_url`` becomes https://127.0.0.1:8443, ``http_url``
    http://127.0.0.1:8080), the date of the run, the crawl's counts and seconds, cookie expiry dates and the
    canaries. Normalising a normalised text changes nothing."""
    def origin(key: str) -> str | None:
        m = re.search(rf"^{key}: ['\"]?(https?://[^\s'\"#]+?)/?['\"]?(\s+#.*)?$", text, re.M)
        return m.group(1) if m else None

    for found, fixed in ((origin("base_url"), NORMAL_BASE_URL), (origin("http_url"), NORMAL_HTTP_URL)):
        if found and found != fixed:
            text = re.sub(re.escape(found) + r"(?![\w.-])", fixed, text)
    text = re.sub(r"(written by `scripts/conform discover` on )\d{4}-\d\d-\d\d \d\d:\d\d( UTC)", r"\1<date>\2", text)
    text = re.sub(r"\(\d+ pages crawled, \d+ probes, \d+ requests in [\d.]+ s;", "(N pages crawled, N probes, "
                  "N requests in T s;", text)
    text = re.sub(r"(Expires=)[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT", r"\1<date>", text)
    text = re.sub(rf"{CANARY_PREFIX}[0-9a-f]{{6,}}", f"{CANARY_PREFIX}<canary>", text)
    return text


def compare_discovered(expected: str, got: str, target: str, file: str) -> list[str]:
    """Each line where the fresh discovery (normalised) differs from the kept one, as one message (what the file
    says at its line, what discovery wrote instead)."""
    a, b = normalise(expected).splitlines(), normalise(got).splitlines()
    out = []
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            old = a[i1 + k] if i1 + k < i2 else None
            new = b[j1 + k] if j1 + k < j2 else None
            line = min(i1 + k, i2 - 1) + 1 if i2 > i1 else i1 + 1
            if old is not None and new is not None:
                out.append(f"{target}: discovery differs from {file}:{line}: expected {old.strip()!r}, "
                           f"discovered {new.strip()!r}")
            elif old is not None:
                out.append(f"{target}: discovery no longer writes {file}:{line}: {old.strip()!r}")
            else:
                out.append(f"{target}: discovery writes a line {file} does not have (before line {line}): "
                           f"{new.strip()!r}")
    return out


# ---------------------------------------------------------------------------------------------- API

def discover(base_url: str, users: list[dict], *, settings: Settings, rate: float = 0.0, max_pages: int = 60,
             max_depth: int = 4, max_seconds: float = 45.0, submit_forms: bool = False,
             http_url: str | None = None, name: str | None = None, max_probes: int = MAX_PROBES) -> Discovery:
    """Crawls ``base_url`` (bounded: same origin, ``max_pages``, ``max_depth``, ``max_seconds``, ``rate``
    requests per second, the transport's byte cap) and maps what it finds to the roles of ROLES.md.
    ``users`` are ``{"username", "password"}``; the first logs in. ``submit_forms`` also submits the forms that
    change state (with harmless values) to prove the roles; without it those roles are marked as guesses."""
    d = _Discoverer(base_url, users, settings, rate, max_pages, max_depth, max_seconds, submit_forms, http_url,
                    name, max_probes)
    return d.run()


# ---------------------------------------------------------------------------------------------- command line

def build_parser() -> argparse.ArgumentParser:
    from .cli import _rate
    p = argparse.ArgumentParser(prog="websec_conform discover",
                                description="Crawl a deployment (bounded, same origin) and write a target profile "
                                            "(conformance/ROLES.md §5) with every guess marked.")
    p.add_argument("url", help="start URL (its scheme, host and port are the origin crawled)")
    p.add_argument("--user", action="append", default=[], metavar="NAME", help="a test account (repeatable; "
                   "pair each with --password; the first logs in)")
    p.add_argument("--password", action="append", default=[], metavar="P")
    p.add_argument("--out", metavar="FILE", help="write the profile there (default: stdout)")
    p.add_argument("--name", help="the profile's name (default: host-port)")
    p.add_argument("--max-pages", type=int, default=60, help="pages fetched by following links (default 60)")
    p.add_argument("--max-depth", type=int, default=4, help="links deep from the start URL (default 4)")
    p.add_argument("--max-seconds", type=float, default=45.0, help="wall time (default 45)")
    p.add_argument("--submit-forms", action="store_true", help="a test deployment: also submit the forms that "
                   "change state (harmless values) to verify state_change/state_probe, upload/download, comments "
                   "and logout, and save logged-in forms with canaries to find stored reflections")
    p.add_argument("--http-url", metavar="URL", help="the plain-HTTP URL of the same site, if it answers there "
                   "(no other port is probed)")
    p.add_argument("--insecure", action="store_true", help="do not verify TLS certificates")
    p.add_argument("--ca-bundle", metavar="FILE", help="CA bundle that verifies the target's certificate")
    p.add_argument("--timeout", type=float, default=10.0, help="per-request timeout in seconds (default 10)")
    p.add_argument("--rate-limit", type=_rate, default=0.0, metavar="N/s", help="requests per second "
                   "(default unlimited; 429/503 Retry-After is always honoured)")
    p.add_argument("--max-bytes", type=int, default=1024 * 1024, help="cap on response body bytes read (1 MiB)")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if len(args.user) != len(args.password):
        print("error: give one --password per --user, in the same order", file=sys.stderr)
        return 2
    if args.max_pages < 1 or args.max_depth < 0 or args.max_seconds <= 0:
        print("error: --max-pages must be >= 1, --max-depth >= 0, --max-seconds > 0", file=sys.stderr)
        return 2
    verify: Any = False if args.insecure else (args.ca_bundle or True)
    settings = Settings(timeout=args.timeout, max_bytes=args.max_bytes, verify=verify)
    users = [{"username": u, "password": p} for u, p in zip(args.user, args.password)]
    try:
        d = discover(args.url, users, settings=settings, rate=args.rate_limit, max_pages=args.max_pages,
                     max_depth=args.max_depth, max_seconds=args.max_seconds, submit_forms=args.submit_forms,
                     http_url=args.http_url, name=args.name)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    text = d.to_yaml()
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    if not args.quiet:
        roles = d.profile.get("roles", {})
        g = sum(1 for k, _ in d.notes if k == "guess")
        miss = [t.split(" — ", 1)[0] for k, t in d.notes if k == "missing"]
        s = d.stats
        print(f"discover: {len(roles)} roles found ({g} guesses), {len(miss)} not found"
              f"{': ' + ', '.join(miss) if miss else ''}; {s.get('pages', 0)} pages, {s.get('probes', 0)} probes, "
              f"{s.get('requests', 0)} requests in {s.get('seconds', 0):.1f} s"
              + (f"; profile written to {args.out}" if args.out else ""), file=sys.stderr)
    if not d.profile.get("roles"):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
