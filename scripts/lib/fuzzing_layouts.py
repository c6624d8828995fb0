"""What a fuzz input means to its target: the fields, flags and limits it selects (scripts/corpus describe).

One decoder per target, reading the bytes in the order the target reads them (targets/fuzz_input.hpp and the
layout comment at the top of each targets/<target>.cpp), like curl-fuzzer's read_corpus.py. A target whose whole
input is one value is described by WHOLE. Keep a decoder in step with its target when the layout changes.
Standard library only; run by /usr/bin/python3.
"""
import struct


def show(b, limit=96):
    """A bytes value for a person: repr, cut after `limit` bytes with the length said."""
    if len(b) <= limit:
        return repr(bytes(b))
    return f"{bytes(b[:limit])!r}... ({len(b)} bytes)"


def bits(value, names):
    """'0x13: a, b' for the set bits of value named in names {bit: name}."""
    on = [n for bit, n in sorted(names.items()) if value & (1 << bit)]
    return f"0x{value:02x}" + (": " + ", ".join(on) if on else "")


class Reader:
    """The cursor of targets/fuzz_input.hpp: reads from the front, records each field as (offsets, name, text)."""

    def __init__(self, data):
        self.data = bytes(data)
        self.pos = 0
        self.rows = []

    def left(self):
        return len(self.data) - self.pos

    def take(self, n):
        if self.left() < n:
            return None
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u8(self):
        b = self.take(1)
        return None if b is None else b[0]

    def u16be(self):
        b = self.take(2)
        return None if b is None else struct.unpack(">H", b)[0]

    def u32le(self):
        b = self.take(4)
        return None if b is None else struct.unpack("<I", b)[0]

    def rest(self):
        b = self.data[self.pos:]
        self.pos = len(self.data)
        return b

    def split(self, delim=b"\0", max_fields=None):
        rest = self.rest()
        return rest.split(delim) if max_fields is None else rest.split(delim, max_fields - 1)

    def row(self, start, name, text):
        end = self.pos - 1
        where = f"byte {start}" if end <= start else f"bytes {start}-{end}"
        self.rows.append((where, name, text))


def short(target, why):
    return [("-", "input", f"too short: {target} returns at once ({why})")]


# ---------------------------------------------------------------------------------------------------------------
def multipart(data):
    r = Reader(data)
    if len(data) < 16:
        return short("multipart_fuzzer", "fewer than 16 bytes")
    flags = r.u8()
    framing = (flags >> 2) & 3
    r.row(0, "flags", bits(flags, {0: "profile debian", 1: "boundary in a Content-Type header",
                                   4: "filler run", 5: "hash-only sink"})
          + f"; framing {framing}: " + ["Content-Length = body length", "chunked", "streamed length",
                                        "Content-Length = body length + delta (byte 4)"][framing]
          + ("" if flags & 1 else "; profile upstream") + ("" if flags & 0x20 else "; memory sink"))
    mem = r.u16be()
    r.row(1, "max_form_memory_size", f"{mem * 8} (0x{mem:04x} * 8)" if mem else "unlimited (0)")
    parts = r.u8()
    r.row(3, "max_form_parts", "unlimited (255)" if parts == 255 else f"{parts % 24} (0x{parts:02x} % 24)")
    cl = r.u8()
    r.row(4, "Content-Length byte", f"0x{cl:02x}: delta {cl % 16 - 8:+d} (framing 3)"
          + (f"; max_content_length = body length {cl % 3 - 1:+d}" if cl >= 240 else "; no max_content_length"))
    blen = r.u8()
    r.row(5, "boundary length", f"{blen % 16 + 1} (0x{blen:02x} % 16 + 1)")
    start = r.pos
    boundary = r.take(blen % 16 + 1)
    if boundary is None:
        r.rows.append(("-", "boundary", "missing: the input is too short, multipart_fuzzer returns at once"))
        return r.rows
    r.row(start, "boundary", show(boundary))
    start = r.pos
    seed = r.u32le()
    filler = r.u16be()
    fbyte = r.u8()
    if fbyte is None:
        r.rows.append(("-", "seed and filler", "missing: the input is too short, multipart_fuzzer returns at once"))
        return r.rows
    r.pos = start + 4
    r.row(start, "split seed", f"0x{seed:08x} (pieces for feed(); spool_max_size {seed % 4096})")
    r.pos = start + 6
    r.row(start + 4, "filler count", f"{filler} ({filler * 4} bytes of filler)" + ("" if flags & 0x10 else ", unused"))
    r.pos = start + 7
    r.row(start + 6, "filler byte", show(bytes([fbyte])))
    start = r.pos
    body = r.rest()
    text = show(body)
    if flags & 0x10:
        at = 0 if not body else seed % (len(body) + 1)
        text += f"; {filler * 4} filler bytes inserted at offset {at}: {len(body) + filler * 4} bytes parsed"
    r.row(start, "body", text)
    return r.rows


def csp(data):
    r = Reader(data)
    mode = r.u8()
    if mode is None:
        return short("csp_fuzzer", "empty")
    r.row(0, "mode", bits(mode, {0: "report-only", 1: "a second header after the first NUL"})
          + ("" if mode & 1 else " (enforced)"))
    start = r.pos
    values = r.split(b"\0", 2 if mode & 2 else 1)
    r.row(start, "header values", "; ".join(f"#{i + 1} {show(v)}" for i, v in enumerate(values)))
    return r.rows


CSRF_FIELDS = ["secret key", "submitted token", "session token", "Referer", "Host", "form body", "request headers",
               "double-submit cookie"]


def csrf(data):
    r = Reader(data)
    if len(data) < 4 or len(data) > 16384:
        return short("csrf_fuzzer", "fewer than 4 or more than 16384 bytes")
    flags = r.u8()
    method = ["POST", "GET", "PUT", "delete"][flags >> 6]
    r.row(0, "flags", bits(flags, {0: "WTF_CSRF_SSL_STRICT", 1: "https", 2: "no time limit", 3: "session token present",
                                   4: "Referer present", 5: "token in X-CSRFToken (else the form)"}) + f"; method {method}")
    minutes = r.u8()
    r.row(1, "time limit", "unused (no time limit)" if flags & 4 else f"{minutes * 60} s ({minutes} min)")
    clock = r.u8()
    signed = clock - 256 if clock >= 128 else clock
    r.row(2, "clock", f"now = 1700000000 {signed * 60:+d} s")
    mutation = r.u8()
    r.row(3, "byte mutation", f"position {mutation * 7} % len, new byte 0x{mutation ^ 0x5a:02x}")
    start = r.pos
    fields = r.split(b"\0", 8)
    fields += [b""] * (8 - len(fields))
    r.row(start, "fields", f"{len(CSRF_FIELDS)} NUL-separated")
    for name, value in zip(CSRF_FIELDS, fields):
        unused = (name == "session token" and not flags & 8) or (name == "Referer" and not flags & 16)
        r.rows.append(("", f"  {name}", show(value) + (" (unused: flag off)" if unused else "")))
    return r.rows


def signer(data):
    r = Reader(data)
    if not data or len(data) > 65536:
        return short("signer_fuzzer", "empty or over 64 KiB")
    sel = r.u8()
    derivation = ["concat", "django-concat", "hmac", "none"][sel & 3]
    digest = ["sha1", "sha224", "sha256", "sha384", "sha512", "md5"][((sel >> 2) & 7) % 6]
    sep = [".", ":", "~~"][(sel >> 5) % 3]
    r.row(0, "selector", f"0x{sel:02x}: derivation {derivation}, digest {digest}, separator {sep!r}; "
          f"timed max_age {sel} s, key holder's max_age {sel * 1000} s")
    start = r.pos
    fields = r.split(b"\0", 2)
    if len(fields) == 1:
        r.row(start, "value = untrusted text", show(fields[0]) + " (no NUL: the same text is both)")
    else:
        r.row(start, "value, untrusted text", f"{show(fields[0])}, {show(fields[1])}")
    return r.rows


DUMP_FLAGS = {1: "profile debian", 2: "Secure", 3: "HttpOnly", 4: "SameSite=lax", 5: "Max-Age=3600", 6: "partitioned",
              7: "sync_expires=False"}
LINE_FLAGS = {1: "plain-http response", 2: "max size 100", 3: "lifetime limit 31 days", 4: "site sends HSTS",
              5: "role from bits 6-7"}


def set_cookie(data):
    r = Reader(data)
    mode = r.u8()
    if mode is None:
        return short("set_cookie_fuzzer", "empty")
    start = r.pos
    if mode & 1:
        r.row(0, "mode", "dump_cookie (odd); " + bits(mode, DUMP_FLAGS))
        fields = r.split(b"\0")
        r.row(start, "key", show(fields[0]))
        r.rows.append(("", "value", show(fields[1]) if len(fields) > 1 else "(none)"))
        for f in fields[2:16]:
            r.rows.append(("", "option", show(f)))
        if len(fields) > 16:
            r.rows.append(("", "ignored", f"{len(fields) - 16} more fields (only 14 options are read)"))
    else:
        roles = ["session", "remember_me", "csrf", "preference", "other"]
        role = f"; role {roles[(mode >> 6) % 5]}" if mode & 32 else ""
        r.row(0, "mode", "Set-Cookie line (even); " + bits(mode, LINE_FLAGS) + role)
        r.row(start, "Set-Cookie value", show(r.rest()))
    return r.rows


def session(data):
    r = Reader(data)
    if not data or len(data) > 65536:
        return short("session_fuzzer", "empty or over 64 KiB")
    b = r.u8()
    mode = 3 + (b & 1) if b >= 0xF8 else b % 3
    what = {0: "a cookie value (a Cookie header when it contains 'session=')",
            1: "a payload, signed by the target with its known key", 2: "tagged JSON, signed by the target as Flask",
            3: "an HTTP date", 4: "save_session: two config bytes, then a session as tagged JSON"}[mode]
    r.row(0, "mode", f"0x{b:02x}: mode {mode}, {what}")
    start = r.pos
    if mode == 4:
        cfg = r.take(2)
        if cfg is None:
            r.rows.append(("-", "config", "missing: fewer than 2 bytes, nothing is checked"))
            return r.rows
        r.row(start, "config bytes", cfg.hex())
        start = r.pos
    r.row(start, "data", show(r.rest()))
    return r.rows


def http_request(data):
    r = Reader(data)
    if not data or len(data) > 1 << 20:
        return short("http_request_fuzzer", "empty or over 1 MiB")
    b = r.u8()
    pieces = [0, 1, 2, 3, 5, 7, 11, 16, 31, 64, 100, 127, 256, 512, 1000, 4096] * 2
    piece = pieces[b >> 3]
    r.row(0, "connection", bits(b & 7, {0: "HTTPS", 1: "plain-HTTP listener redirecting to HTTPS", 2: "small limits"})
          + (f"; reads of {piece} bytes (and once whole)" if piece else "; one read"))
    start = r.pos
    rest = r.rest()
    r.row(start, "client bytes", show(rest))
    n = rest.count(b"\r\n\r\n")
    lines = [l.split(b" ")[:2] for l in rest.split(b"\r\n") if l[:1].isalpha() and b" /" in l[:16]]
    if lines:
        r.rows.append(("", "requests", ", ".join(b" ".join(x).decode("latin-1") for x in lines[:8])
                       + (f" ... ({len(lines)})" if len(lines) > 8 else "") + f"; {n} blank line(s)"))
    return r.rows


def first_byte_flags(name, flagnames, what):
    def describe(data):
        r = Reader(data)
        b = r.u8()
        if b is None:
            return short(name, "empty")
        r.row(0, "options", bits(b, flagnames))
        r.row(1, what, show(r.rest()))
        return r.rows
    return describe


def whole(what):
    def describe(data):
        return [(f"bytes 0-{len(data) - 1}" if data else "-", what, show(data))]
    return describe


def urlencoded(data):
    r = Reader(data)
    if r.u8() is None:
        return short("urlencoded_fuzzer", "empty")
    r.row(0, "skipped", "byte 0 is not read")
    r.row(1, "body", show(r.rest()) + " (decoded, and taken as material for pairs to encode)")
    return r.rows


LAYOUTS = {
    "multipart_fuzzer": multipart,
    "csp_fuzzer": csp,
    "csrf_fuzzer": csrf,
    "signer_fuzzer": signer,
    "set_cookie_fuzzer": set_cookie,
    "session_fuzzer": session,
    "http_request_fuzzer": http_request,
    "hsts_fuzzer": first_byte_flags("hsts_fuzzer", {0: "judged as a plain-http response", 1: "Observatory threshold"},
                                    "Strict-Transport-Security value"),
    "response_head_fuzzer": first_byte_flags("response_head_fuzzer", {0: "plain http", 1: "Observatory HSTS threshold",
                                                                      2: "cookie lifetime limit 31 days",
                                                                      3: "MAX_COOKIE_SIZE 256"}, "response head"),
    "urlencoded_fuzzer": urlencoded,
    "base64_fuzzer": whole("text for the lenient base64 decoders (and bytes to encode)"),
    "content_type_fuzzer": whole("Content-Type header value (parse_options_header, both profiles)"),
    "cookie_header_fuzzer": whole("Cookie header value"),
    "escape_fuzzer": whole("text to escape; line 1 a Markup template, the other lines its arguments and xmlattr pairs"),
    "json_fuzzer": whole("JSON text"),
    "terminal_fuzzer": whole("text for the terminal cleaner"),
    "url_fuzzer": whole("URL"),
}


def describe(target, data):
    """[(where, field, meaning)] of an input of `target` (a twin, <t>_sa or <t>_fast, reads like <t>)."""
    base = next((target[:-len(x)] for x in ("_sa", "_fast") if target.endswith(x)), target)
    fn = LAYOUTS.get(base)
    if fn is None:
        return [("-", "input", f"no layout known for {target}: the whole input, {show(data)}")]
    return fn(data)


def self_test():
    """Every corpus file decodes, and known inputs decode to what their targets read (ctest fuzz.describe)."""
    import sys
    from pathlib import Path
    corpora = Path(__file__).resolve().parents[2] / "corpora"
    bad = n = 0
    for d in sorted(p for p in corpora.iterdir() if p.is_dir()):
        for f in sorted(p for p in d.rglob("*") if p.is_file() and not p.name.startswith(".")):
            n += 1
            try:
                rows = describe(d.name, f.read_bytes())
                assert rows and all(len(r) == 3 for r in rows)
            except Exception as e:  # noqa: BLE001 — report every file that does not decode
                bad += 1
                print(f"{f}: {type(e).__name__}: {e}", file=sys.stderr)
    # known answers, written as multipart_fuzzer reads them: flags 0x12, memory 0x0010 * 8, parts 5 % 24, CL byte
    # 0xf1, boundary "ab", seed 0x04030201, filler 2 * 4 bytes of "x"
    mp = dict((r[1], r[2]) for r in describe("multipart_fuzzer", bytes.fromhex("12001005f101616201020304000278") + b"body"))
    checks = [("max_form_memory_size" in mp and mp["max_form_memory_size"].startswith("128 ")),
              mp.get("max_form_parts", "").startswith("5 "), mp.get("boundary") == "b'ab'",
              mp.get("split seed", "").startswith("0x04030201"), "8 filler bytes inserted" in mp.get("body", ""),
              "max_content_length = body length +0" in mp.get("Content-Length byte", "")]
    cs = describe("csrf_fuzzer", b"\x08\x3c\x00\x00secret\0tok\0raw")
    checks += [any(r[1].strip() == "session token" and r[2] == "b'raw'" for r in cs),
               any(r[1].strip() == "Host" and r[2] == "b''" for r in cs)]
    sg = describe("signer_fuzzer_sa", b"\x22value")
    checks += [any("value = untrusted text" == r[1] for r in sg), "separator ':'" in sg[0][2]]
    failed = [i for i, ok in enumerate(checks) if not ok]
    for i in failed:
        print(f"known answer {i} differs", file=sys.stderr)
    print(f"fuzzing_layouts: {n} corpus files described, {bad} failed; {len(checks) - len(failed)}/{len(checks)} "
          f"known answers")
    return 1 if bad or failed else 0


if __name__ == "__main__":
    import sys
    sys.exit(self_test() if sys.argv[1:] == ["--self-test"] else 2)
