"""websec.serializer — itsdangerous's Serializer, URLSafeSerializer, TimedSerializer and URLSafeTimedSerializer.

The classes have itsdangerous's constructor (``secret_key, salt=b'itsdangerous', serializer=None,
serializer_kwargs=None, signer=None, signer_kwargs=None, fallback_signers=None``) and methods (``dumps``/``loads``
with a per-call ``salt``, ``dump``/``load`` to files, ``loads_unsafe``/``load_unsafe``, ``make_signer``,
``iter_unsigners``, ``dump_payload``/``load_payload``), and may be subclassed as itsdangerous's are. With the default
JSON serializer, the default signer, no fallback signers and signer_kwargs the library knows (key_derivation,
digest_method, sep), dumps and loads are one call into the library (websec/serializer.hpp); otherwise the steps run
in order through the configured objects, with the library's signers, JSON, zlib and base64 doing the work.

Errors are websec.signing's (itsdangerous's classes): BadSignature / BadTimeSignature / SignatureExpired carry
``payload`` (the value without signature and timestamp) and ``date_signed``; BadPayload carries
``original_error``. websec's own keyword arguments: ``max_decompressed`` (cap on an inflated payload, a BadPayload
past it), ``dumps(..., timestamp=)`` and ``loads(..., now=)`` for timed serializers (the clock).
"""
from __future__ import annotations

import time as _time

from . import json as _json
from . import signing as _signing
from ._websec import serializer as _c
from ._websec.serializer import decode_payload, encode_payload, zlib_compress, zlib_decompress  # noqa: F401
from .signing import (BadData, BadPayload, BadSignature, BadTimeSignature, SignatureExpired,  # noqa: F401
                      Signer, TimestampSigner, want_bytes, _make_keys_list, _digest_name, _NATIVE_DERIVATIONS)

__all__ = ["Serializer", "URLSafeSerializer", "TimedSerializer", "URLSafeTimedSerializer", "is_text_serializer",
           "BadData", "BadSignature", "BadTimeSignature", "SignatureExpired", "BadPayload", "encode_payload",
           "decode_payload", "zlib_compress", "DEFAULT_MAX_DECOMPRESSED"]

DEFAULT_MAX_DECOMPRESSED = 1 << 20


def is_text_serializer(serializer):
    """itsdangerous.serializer.is_text_serializer: whether serializer.dumps gives str."""
    return isinstance(serializer.dumps({}), str)


class _CompactJSON:
    """itsdangerous.url_safe._CompactJSON on the library's JSON: compact separators, ensure_ascii=False."""

    @staticmethod
    def loads(payload):
        return _json.loads(payload)

    @staticmethod
    def dumps(obj, **kwargs):
        kwargs.setdefault("ensure_ascii", False)
        kwargs.setdefault("separators", (",", ":"))
        return _json.dumps(obj, **kwargs)


class Serializer:
    """itsdangerous.Serializer: json.dumps(obj) signed with a Signer. dumps returns str for a text serializer."""

    default_serializer = _json
    default_signer = Signer
    default_fallback_signers: list = []
    _url_safe = False
    _timed = False

    def __init__(self, secret_key, salt=b"itsdangerous", serializer=None, serializer_kwargs=None, signer=None,
                 signer_kwargs=None, fallback_signers=None, *, max_decompressed=DEFAULT_MAX_DECOMPRESSED):
        self.secret_keys = _make_keys_list(secret_key)
        if salt is not None:
            salt = want_bytes(salt)
        self.salt = salt
        if serializer is None:
            serializer = self.default_serializer
        self.serializer = serializer
        self.is_text_serializer = is_text_serializer(serializer)
        if signer is None:
            signer = self.default_signer
        self.signer = signer
        self.signer_kwargs = signer_kwargs or {}
        if fallback_signers is None:
            fallback_signers = list(self.default_fallback_signers)
        self.fallback_signers = fallback_signers
        self.serializer_kwargs = serializer_kwargs or {}
        self.max_decompressed = max_decompressed

    @property
    def secret_key(self):
        """The newest (last) secret key."""
        return self.secret_keys[-1]

    # -- the library's serializer, when the configuration is one it computes ------------------------------
    def _native(self, salt):
        cls = type(self)
        if self.serializer is not self.default_serializer or self.serializer_kwargs or self.fallback_signers:
            return None
        if self.signer is not self.default_signer or self.default_signer not in (Signer, TimestampSigner):
            return None
        for name in ("load_payload", "dump_payload", "make_signer", "iter_unsigners", "dumps", "loads"):
            mine = getattr(cls, name)
            if not any(mine is getattr(b, name, None) for b in _BASES):
                return None
        kw = self.signer_kwargs
        if set(kw) - {"key_derivation", "digest_method", "sep"}:
            return None
        if kw.get("key_derivation", "django-concat") not in _NATIVE_DERIVATIONS:
            return None
        digest = kw.get("digest_method")
        name = "sha1" if digest is None else _digest_name(digest)
        if name is None:
            return None
        salt = self.salt if salt is None else want_bytes(salt)
        key = (tuple(self.secret_keys), salt, kw.get("key_derivation"), name, kw.get("sep", b"."),
               self.max_decompressed)
        cache = self.__dict__.setdefault("_native_cores", {})
        core = cache.get(key)
        if core is None:
            native_cls = _NATIVE[(self._url_safe, self._timed)]
            signer_kwargs = {"digest_method": name}
            if "key_derivation" in kw:
                signer_kwargs["key_derivation"] = kw["key_derivation"]
            if "sep" in kw:
                signer_kwargs["sep"] = kw["sep"]
            core = native_cls(list(self.secret_keys), salt, signer_kwargs=signer_kwargs,
                              max_decompressed=self.max_decompressed)
            if len(cache) > 16:
                cache.clear()
            cache[key] = core
        return core

    def load_payload(self, payload, serializer=None):
        """Decodes the payload bytes with the serializer (BadPayload with original_error when that fails)."""
        if serializer is None:
            use_serializer = self.serializer
            is_text = self.is_text_serializer
        else:
            use_serializer = serializer
            is_text = is_text_serializer(serializer)
        try:
            if is_text:
                return use_serializer.loads(payload.decode("utf-8"))
            return use_serializer.loads(payload)
        except Exception as e:  # noqa: BLE001 - itsdangerous wraps every failure
            raise BadPayload(
                "Could not load the payload because an exception"
                " occurred on unserializing the data.",
                original_error=e,
            ) from e

    def dump_payload(self, obj):
        """The payload bytes: serializer.dumps(obj, **serializer_kwargs), UTF-8 encoded when text."""
        return want_bytes(self.serializer.dumps(obj, **self.serializer_kwargs))

    def make_signer(self, salt=None):
        """A new signer: signer(secret_keys, salt=salt or self.salt, **signer_kwargs)."""
        if salt is None:
            salt = self.salt
        return self.signer(self.secret_keys, salt=salt, **self.signer_kwargs)

    def iter_unsigners(self, salt=None):
        """The signers loads tries: make_signer(salt), then each of fallback_signers (a dict of signer_kwargs, a
        Signer class, or a (class, kwargs) pair) for each secret key."""
        if salt is None:
            salt = self.salt
        yield self.make_signer(salt)
        for fallback in self.fallback_signers:
            if isinstance(fallback, dict):
                kwargs = fallback
                fallback = self.signer
            elif isinstance(fallback, tuple):
                fallback, kwargs = fallback
            else:
                kwargs = self.signer_kwargs
            for secret_key in self.secret_keys:
                yield fallback(secret_key, salt=salt, **kwargs)

    def _sign(self, payload, salt, timestamp):
        signer = self.make_signer(salt)
        if timestamp is not None and isinstance(signer, TimestampSigner):
            return signer.sign(payload, timestamp=timestamp)
        return signer.sign(payload)

    def _clock(self, salt):
        """The signing clock of a timed serializer: TimestampSigner.get_timestamp (int(time.time()) unless replaced)."""
        if not self._timed:
            return None
        if TimestampSigner.get_timestamp is _GET_TIMESTAMP:
            return int(_time.time())
        return self.make_signer(salt).get_timestamp()

    def dumps(self, obj, salt=None, *, timestamp=None):
        """The signed serialization of obj (str for a text serializer, else bytes)."""
        core = self._native(salt)
        if core is not None:
            return core.dumps(obj, timestamp=self._clock(salt) if timestamp is None else timestamp)
        payload = want_bytes(self.dump_payload(obj))
        rv = self._sign(payload, salt, timestamp)
        if self.is_text_serializer:
            return rv.decode("utf-8")
        return rv

    def dump(self, obj, f, salt=None):
        """Like dumps, written to the file f."""
        f.write(self.dumps(obj, salt))

    def loads(self, s, salt=None, **kwargs):
        """Verifies then decodes s: BadSignature (the last signer's error when none matches), BadPayload."""
        core = self._native(salt)
        if core is not None and not kwargs:
            return core.loads(s)
        s = want_bytes(s)
        last_exception = None
        for signer in self.iter_unsigners(salt):
            try:
                return self.load_payload(signer.unsign(s))
            except BadSignature as err:
                last_exception = err
        raise last_exception

    def load(self, f, salt=None):
        """Like loads, read from the file f."""
        return self.loads(f.read(), salt)

    def loads_unsafe(self, s, salt=None):
        """(signature_valid, payload): like loads but the payload is decoded even when the signature is wrong
        (None when it cannot be). Never raises BadData. For debugging only."""
        return self._loads_unsafe_impl(s, salt)

    def _loads_unsafe_impl(self, s, salt, load_kwargs=None, load_payload_kwargs=None):
        if load_kwargs is None:
            load_kwargs = {}
        try:
            return True, self.loads(s, salt=salt, **load_kwargs)
        except BadSignature as e:
            if e.payload is None:
                return False, None
            if load_payload_kwargs is None:
                load_payload_kwargs = {}
            try:
                return False, self.load_payload(e.payload, **load_payload_kwargs)
            except BadPayload:
                return False, None

    def load_unsafe(self, f, salt=None):
        """Like loads_unsafe, read from the file f."""
        return self.loads_unsafe(f.read(), salt=salt)

    def validate(self, s, salt=None):
        """True when loads succeeds."""
        try:
            self.loads(s, salt=salt)
            return True
        except BadData:
            return False


class TimedSerializer(Serializer):
    """itsdangerous.TimedSerializer: a Serializer with a TimestampSigner; loads(s, max_age=None,
    return_timestamp=False, salt=None) checks the age (SignatureExpired is not retried with fallback signers)."""

    default_signer = TimestampSigner
    _timed = True

    def loads(self, s, max_age=None, return_timestamp=False, salt=None, *, now=None):
        core = self._native(salt)
        if core is not None:
            return core.loads(s, max_age, return_timestamp, now=self._clock(salt) if now is None else now)
        s = want_bytes(s)
        last_exception = None
        for signer in self.iter_unsigners(salt):
            try:
                if now is not None and isinstance(signer, TimestampSigner):
                    base64d, timestamp = signer.unsign(s, max_age=max_age, return_timestamp=True, now=now)
                else:
                    base64d, timestamp = signer.unsign(s, max_age=max_age, return_timestamp=True)
                payload = self.load_payload(base64d)
                if return_timestamp:
                    return payload, timestamp
                return payload
            except SignatureExpired:
                raise
            except BadSignature as err:
                last_exception = err
        raise last_exception

    def loads_unsafe(self, s, max_age=None, salt=None):
        return self._loads_unsafe_impl(s, salt, load_kwargs={"max_age": max_age})

    def validate(self, s, max_age=None, salt=None):
        try:
            self.loads(s, max_age=max_age, salt=salt)
            return True
        except BadData:
            return False


class URLSafeSerializerMixin:
    """itsdangerous.url_safe.URLSafeSerializerMixin: compact JSON, zlib when it saves at least 2 bytes ('.'
    prefix), base64url — the library's encode_payload/decode_payload."""

    default_serializer = _CompactJSON
    _url_safe = True

    def load_payload(self, payload, *args, serializer=None, **kwargs):
        decompress = False
        if payload.startswith(b"."):
            payload = payload[1:]
            decompress = True
        try:
            json = _signing.base64_decode(payload)
        except Exception as e:  # noqa: BLE001
            raise BadPayload("Could not base64 decode the payload because of an exception", original_error=e) from e
        if decompress:
            try:
                json = zlib_decompress(json, self.max_decompressed)
            except Exception as e:  # noqa: BLE001
                raise BadPayload("Could not zlib decompress the payload before decoding the payload",
                                 original_error=e) from e
        return super().load_payload(json, *args, serializer=serializer, **kwargs)

    def dump_payload(self, obj):
        json = super().dump_payload(obj)
        return encode_payload(json)


class URLSafeSerializer(URLSafeSerializerMixin, Serializer):
    """itsdangerous.URLSafeSerializer."""


class URLSafeTimedSerializer(URLSafeSerializerMixin, TimedSerializer):
    """itsdangerous.URLSafeTimedSerializer (Flask's session, Flask-WTF's CSRF token)."""


_BASES = (Serializer, TimedSerializer, URLSafeSerializerMixin)
_GET_TIMESTAMP = TimestampSigner.get_timestamp
_NATIVE = {(False, False): _c.Serializer, (True, False): _c.URLSafeSerializer, (False, True): _c.TimedSerializer,
           (True, True): _c.URLSafeTimedSerializer}
