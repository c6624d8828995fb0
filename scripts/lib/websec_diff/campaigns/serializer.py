"""serializer: websec.serializer against itsdangerous 2.1.2 — Serializer, URLSafeSerializer, TimedSerializer,
URLSafeTimedSerializer.

JSON values (unicode, astral, controls, big integers, float repr, NaN/Infinity, nested, large enough to
compress), every signer configuration, a fixed timestamp: dumps must give the same string; loads of the
oracle's output (intact or tampered) and of random tokens must give the same value or the same exception
class and message, incl. max_age checks — and the same exception data: payload and date_signed of
BadSignature / BadTimeSignature / SignatureExpired, and BadPayload's original_error (class and message).
Cases run the library in one call (the default configuration) or through the composed itsdangerous steps
(fallback_signers given, or the salt passed per call).
"""
from __future__ import annotations

import contextlib
import hashlib

import itsdangerous
from hypothesis import strategies as st

from .. import strategies as S
from ..core import CampaignBase, Disagreement, excused
from ._values import canon
from .signing import DERIVATIONS, DIGESTS, TS, Campaign as SigningCampaign

CLASSES = ["Serializer", "URLSafeSerializer", "TimedSerializer", "URLSafeTimedSerializer"]
BIG = st.one_of(st.text(min_size=100, max_size=400), st.just("A" * 300), st.lists(st.just({"k": "v" * 20}), max_size=20))


@st.composite
def case(draw):
    return {
        "cls": draw(st.sampled_from(CLASSES)),
        "secret": draw(st.one_of(st.sampled_from(["secret-key", "dev"]), S.short_text.filter(bool))),
        "salt": draw(st.one_of(st.just("itsdangerous"), st.none(), S.short_text)),
        "kd": draw(st.sampled_from(DERIVATIONS)), "digest": draw(st.sampled_from(DIGESTS)),
        "obj": draw(st.one_of(S.json_values(), BIG)),
        "ts": draw(TS.filter(lambda t: t < 2**40)),
        "now_delta": draw(st.one_of(st.just(0), st.integers(-3, 3), st.just(3600), st.just(3601))),
        "max_age": draw(st.one_of(st.none(), st.just(3600), st.integers(0, 5))),
        "mutation": draw(st.integers(0, 12)), "mutate_seed": draw(st.integers(0, 2**31)),
        "path": draw(st.sampled_from(["native", "native", "fallback", "call_salt"])),
    }


def make(c):
    import websec.serializer as W

    kw = {"key_derivation": c["kd"], "digest_method": getattr(hashlib, c["digest"])}
    extra = {}
    if c.get("path") == "fallback":  # itsdangerous's composed loads: the default signer, then a fallback
        extra = {"fallback_signers": [{"key_derivation": "hmac", "digest_method": hashlib.sha256}]}
    salt = "ignored-by-per-call-salt" if c.get("path") == "call_salt" else c["salt"]
    py = getattr(itsdangerous, c["cls"])(c["secret"], salt=salt, signer_kwargs=kw, **extra)
    ws = getattr(W, c["cls"])(c["secret"], salt=salt, signer_kwargs={"key_derivation": c["kd"],
                                                                     "digest_method": c["digest"]}, **extra)
    return py, ws


@contextlib.contextmanager
def clock(ts):
    """itsdangerous's clock fixed at ts (TimestampSigner.get_timestamp)."""
    cls = itsdangerous.timed.TimestampSigner
    old = cls.get_timestamp
    cls.get_timestamp = lambda self: ts
    try:
        yield
    finally:
        cls.get_timestamp = old


def result(fn):
    try:
        v = fn()
        return ("ok", canon(v))
    except Exception as e:  # noqa: BLE001
        orig = getattr(e, "original_error", None)
        return ("error", type(e).__name__, str(e), getattr(e, "payload", None), getattr(e, "date_signed", None),
                None if orig is None else (type(orig).__name__, str(orig)))


class Campaign(CampaignBase):
    name = "serializer"
    requires = ("serializer",)
    targets = ("json_fuzzer",)
    batch_size = 100

    def strategy(self):
        return case()

    def corpus_cases(self, target, data):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return
        yield {"cls": "URLSafeTimedSerializer", "secret": "secret-key", "salt": "itsdangerous", "kd": "django-concat",
               "digest": "sha1", "raw_token": text, "ts": 1700000000, "now_delta": 0, "max_age": None}

    def describe(self, c):
        return repr(c)

    def check(self, c):
        import random

        py, ws = make(c)
        timed = "Timed" in c["cls"]
        now = c["ts"] + c["now_delta"]
        if "raw_token" in c:
            token = c["raw_token"]
        else:
            salt_kw = {"salt": c["salt"]} if c.get("path") == "call_salt" else {}
            with clock(c["ts"]):
                want = result(lambda: py.dumps(c["obj"], **salt_kw))
            got = result(lambda: ws.dumps(c["obj"], timestamp=c["ts"], **salt_kw))
            if want[0] == "error" or got[0] == "error":
                if want[:2] != got[:2]:
                    raise Disagreement(f"dumps: itsdangerous {want!r}\n       websec       {got!r}")
                return
            if want != got:
                raise Disagreement(f"dumps:\n  itsdangerous {want[1][1]!r}\n  websec       {got[1][1]!r}")
            token = want[1][1]
            token = SigningCampaign.mutate(random.Random(c["mutate_seed"]), token.encode(), c["mutation"]).decode("latin-1")
        kw = {"max_age": c["max_age"]} if timed else {}
        if c.get("path") == "call_salt" and c["salt"] is not None:
            kw["salt"] = c["salt"]
        with clock(now):
            want = result(lambda: py.loads(token, **kw))
        got = result(lambda: ws.loads(token, now=now, **kw))
        if want != got and not excused(self.name, c, want, got):
            raise Disagreement(f"loads({token!r}, {kw}) at {now}:\n  itsdangerous {want!r}\n  websec       {got!r}")
