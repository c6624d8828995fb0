"""signing: websec.signing against itsdangerous 2.1.2 (Debian) — Signer, TimestampSigner, base64.

Random configurations (one key or a rotation list, salt, separator — valid and invalid —, every key
derivation and digest), random values; signed values are mutated the ways an attacker would (flipped
characters, appended '=' / junk, '+' and '/' for '-' and '_', truncation, another separator). Compared: the
signed bytes; accept/reject with the same exception class, message and payload; timestamps, max_age (age
== max_age, +1, future) and the date_signed of the exception; base64_decode of random text.
"""
from __future__ import annotations

import hashlib
import random

import itsdangerous
from hypothesis import strategies as st
from itsdangerous.encoding import base64_decode

from .. import strategies as S
from ..core import CampaignBase, Disagreement, excused

DIGESTS = ["sha1", "sha224", "sha256", "sha384", "sha512"]
DERIVATIONS = ["concat", "django-concat", "hmac", "none"]
SEPS = [".", ".", "~~", "ba", "Z.", "|", "$", "", "a", "ab", "=", "-", "é"]
SECRET = st.one_of(S.short_text, st.binary(max_size=24), st.sampled_from(["dev", "secret-key", ""]))
TS = st.one_of(st.integers(0, 2**33), st.just(1700000000), st.integers(2**40, 2**64 - 1))


@st.composite
def config(draw):
    keys = draw(st.one_of(SECRET, st.lists(SECRET, min_size=1, max_size=3)))
    salt = draw(st.one_of(st.none(), S.short_text, st.binary(max_size=8), st.just("itsdangerous.Signer")))
    return {"secret_key": keys, "salt": salt, "sep": draw(st.sampled_from(SEPS)),
            "key_derivation": draw(st.sampled_from(DERIVATIONS)), "digest": draw(st.sampled_from(DIGESTS))}


@st.composite
def case(draw):
    cfg = draw(config())
    value = draw(st.one_of(S.short_text.map(lambda t: t.encode("utf-8")), st.binary(max_size=24)))
    op = draw(st.sampled_from(["sign", "unsign", "timed", "timed", "b64"]))
    c = {"op": op, "cfg": cfg, "value": value}
    if op == "unsign":
        c["mutate_seed"] = draw(st.integers(0, 2**31))  # the signed value is the oracle's, then mutated
        c["mutation"] = draw(st.integers(0, 9))
    if op == "timed":
        ts = draw(TS)
        c["ts"] = ts
        near = ts < 2**40  # the clock is an int64 (int(time.time())); far-future stamps are checked from today
        c["now"] = draw(st.one_of(st.just(ts), st.integers(ts - 5, ts + 5), st.integers(0, 2**34))) if near \
            else draw(st.integers(0, 2**34))
        c["max_age"] = draw(st.one_of(st.none(), st.integers(0, 10), st.just(3600)))
        c["tamper"] = draw(st.sampled_from([None, None, "flip", "junk_ts", "no_ts", "big_ts", "pad"]))
    if op == "b64":
        c["text"] = draw(st.one_of(st.text(st.sampled_from("AZaz09-_+/=! .\n\xe9"), max_size=16), st.binary(max_size=16)))
    return c


def py_signer(cfg, cls=itsdangerous.Signer):
    kw = {"salt": cfg["salt"], "sep": cfg["sep"], "key_derivation": cfg["key_derivation"],
          "digest_method": getattr(hashlib, cfg["digest"])}
    return cls(cfg["secret_key"], **kw)


def ws_signer(cfg, cls_name="Signer"):
    import websec.signing as W

    return getattr(W, cls_name)(cfg["secret_key"], salt=cfg["salt"], sep=cfg["sep"],
                                key_derivation=cfg["key_derivation"], digest_method=cfg["digest"])


def outcome(fn):
    try:
        return ("ok", fn())
    except Exception as e:  # noqa: BLE001
        return ("error", type(e).__name__, str(e), getattr(e, "payload", None), getattr(e, "date_signed", None))


def tamper_timed(s: bytes, how, sep: bytes) -> bytes:
    if how is None or sep not in s:
        return s
    head, sig = s.rsplit(sep, 1)
    if how == "flip":
        return s[:-1] + (b"A" if s[-1:] != b"A" else b"B")
    if sep not in head:
        return s
    value, ts = head.rsplit(sep, 1)
    if how == "junk_ts":
        return value + sep + b"!!!" + sep + sig
    if how == "no_ts":
        return value + sep + sig
    if how == "big_ts":
        return value + sep + b"AAAAAAAAAAAAA" + sep + sig
    if how == "pad":
        return value + sep + ts + b"==" + sep + sig
    return s


class Campaign(CampaignBase):
    name = "signing"
    requires = ("signing",)
    targets = ("signer_fuzzer", "base64_fuzzer")
    batch_size = 150

    def strategy(self):
        return case()

    def corpus_cases(self, target, data):
        if target == "base64_fuzzer":
            yield {"op": "b64", "text": data, "cfg": None, "value": b""}
        else:
            cfg = {"secret_key": "secret-key", "salt": "itsdangerous.Signer", "sep": ".", "key_derivation": "django-concat",
                   "digest": "sha1"}
            yield {"op": "unsign_raw", "cfg": cfg, "value": data}
            yield {"op": "timed_raw", "cfg": cfg, "value": data, "now": 1700000000, "max_age": 3600}

    def describe(self, c):
        return repr(c)

    def check(self, c):
        import websec.signing as W

        op, cfg, value = c["op"], c["cfg"], c["value"]
        if op == "b64":
            want = outcome(lambda: base64_decode(c["text"]))
            got = outcome(lambda: W.base64_decode(c["text"]))
            self.same("base64_decode", want, got)
            return
        want_s = outcome(lambda: py_signer(cfg))
        got_s = outcome(lambda: ws_signer(cfg))
        if want_s[0] != "ok" or got_s[0] != "ok":
            if want_s[0] != got_s[0] or want_s[1] != got_s[1]:
                raise Disagreement(f"Signer(...): itsdangerous {want_s[:3]}\n             websec {got_s[:3]}")
            return
        ps, ws = want_s[1], got_s[1]
        if op == "sign":
            self.same("sign", outcome(lambda: ps.sign(value)), outcome(lambda: ws.sign(value)))
        elif op in ("unsign", "unsign_raw"):
            signed = value if op == "unsign_raw" else ps.sign(value)
            if op == "unsign":
                signed = self.mutate(random.Random(c["mutate_seed"]), signed, c["mutation"])
            self.same("unsign", outcome(lambda: ps.unsign(signed)), outcome(lambda: ws.unsign(signed)))
        else:
            pt = py_signer(cfg, itsdangerous.TimestampSigner)
            wt = ws_signer(cfg, "TimestampSigner")
            if op == "timed":
                pt.get_timestamp = lambda: c["ts"]
                signed = pt.sign(value)
                got = outcome(lambda: wt.sign(value, timestamp=c["ts"]))
                self.same("TimestampSigner.sign", ("ok", signed), got)
                signed = tamper_timed(signed, c["tamper"], pt.sep)
            else:
                signed = value
            pt.get_timestamp = lambda: c["now"]
            want = outcome(lambda: pt.unsign(signed, max_age=c["max_age"], return_timestamp=True))
            got = outcome(lambda: wt.unsign(signed, max_age=c["max_age"], return_timestamp=True, now=c["now"]))
            self.same(f"TimestampSigner.unsign({signed!r}, max_age={c['max_age']}) at {c['now']}", want, got)

    @staticmethod
    def mutate(rnd, s: bytes, k: int) -> bytes:
        if not s:
            return s
        i = rnd.randrange(len(s))
        if k == 1:
            return s[:i] + bytes([s[i] ^ rnd.randrange(1, 256)]) + s[i + 1:]
        if k == 2:
            return s + rnd.choice([b"=", b"==", b"!", b"!!", b" ", b"\n", b"A"])
        if k == 3:
            return s.replace(b"-", b"+").replace(b"_", b"/")
        if k == 4:
            return s[:i]
        if k == 5:
            return s[:i] + rnd.choice([b" ", b"!", b"=", b"\x00", b"\xff", b"."]) + s[i:]
        if k == 6:
            return s.replace(b".", b"", 1)
        return s

    @staticmethod
    def same(what, want, got):
        if want[0] == "error" and want[1] in ("OverflowError", "ValueError", "OSError") and got[0] == "error" \
                and got[1] == "ValueError":
            return  # datetime overflow escaping itsdangerous (a 500 in Flask): same class of outcome
        if want != got and not excused("signing", what, want, got):
            raise Disagreement(f"{what}:\n  itsdangerous {want!r}\n  websec       {got!r}")
