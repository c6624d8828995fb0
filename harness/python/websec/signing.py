"""websec.signing — itsdangerous's encoding, signing algorithms, Signer and TimestampSigner, and its exceptions.

The classes have itsdangerous's constructors, attributes and methods (``Signer(secret_key, salt, sep,
key_derivation, digest_method, algorithm)``, ``TimestampSigner`` a ``Signer``), and subclasses may override them
as itsdangerous's may. The work is the library's (websec/signing.hpp): key derivation, HMAC, base64 and the
constant-time comparison run in C++ whenever the configuration is one it knows (an ``HMACAlgorithm`` over sha1,
sha224, sha256, sha384, sha512 or md5, a built-in key derivation, methods not overridden); otherwise the same
steps run through the overridden methods, with OpenSSL digests where the digest is one of those.

Exceptions (itsdangerous.exc, with the same constructors and attributes; all are also ``websec.Error``)::

    BadData(message)                                  .message; str() is the message
    +- BadSignature(message, payload=None)            .payload: the value part (bytes) or None
    |  +- BadTimeSignature(message, payload=None, date_signed=None)   .date_signed: aware UTC datetime or None
    |  |  +- SignatureExpired(...)                     valid signature, older than max_age (or in the future)
    |  +- BadHeader(message, payload=None, header=None, original_error=None)
    +- BadPayload(message, original_error=None)       valid signature, undecodable payload; .original_error

Extra keyword arguments of websec's own: ``TimestampSigner.sign(value, timestamp=)`` and ``unsign(..., now=)``
fix the clock; ``validate`` as itsdangerous.
"""
from __future__ import annotations

import hashlib as _hashlib
import hmac as _hmac
import time as _time
from datetime import datetime as _datetime, timezone as _timezone

from ._websec import signing as _c
from ._websec.signing import (BadData, BadHeader, BadPayload, BadSignature, BadTimeSignature,  # noqa: F401
                              SignatureExpired, base64_decode, base64_encode, bytes_to_int, constant_time_equal,
                              hash_digest, hmac_digest, int_to_bytes, is_a)

__all__ = ["BadData", "BadSignature", "BadTimeSignature", "SignatureExpired", "BadHeader", "BadPayload",
           "want_bytes", "base64_encode", "base64_decode", "int_to_bytes", "bytes_to_int", "constant_time_equal",
           "SigningAlgorithm", "NoneAlgorithm", "HMACAlgorithm", "Signer", "TimestampSigner", "is_a",
           "hmac_digest", "hash_digest"]

_NATIVE_DIGESTS = frozenset({"sha1", "sha224", "sha256", "sha384", "sha512", "md5"})
_NATIVE_DERIVATIONS = frozenset({"concat", "django-concat", "hmac", "none"})
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="


def want_bytes(s, encoding="utf-8", errors="strict"):
    """itsdangerous.encoding.want_bytes: a str encoded (UTF-8 by default), anything else returned as it is."""
    if isinstance(s, str):
        s = s.encode(encoding, errors)
    return s


def _key_bytes(s):
    if isinstance(s, str):
        return s.encode("utf-8")
    if isinstance(s, (bytearray, memoryview)):
        return bytes(s)
    return s


def _make_keys_list(secret_key):
    if isinstance(secret_key, (str, bytes, bytearray, memoryview)):
        return [_key_bytes(secret_key)]
    return [_key_bytes(s) for s in secret_key]


def _digest_name(digest_method):
    """The OpenSSL name of a digest given as a name ('sha256') or a hashlib constructor; None when unknown."""
    if isinstance(digest_method, str):
        name = digest_method.lower()
    else:
        try:
            name = getattr(digest_method, "name", None) or digest_method().name
        except Exception:  # noqa: BLE001 - not a hashlib-like constructor
            return None
    return name if name in _NATIVE_DIGESTS else None


def _new_digest(digest_method, data=b""):
    if isinstance(digest_method, str):
        return _hashlib.new(digest_method, data)
    return digest_method(data)


def _lazy_sha1(string=b""):
    return _hashlib.sha1(string)


class SigningAlgorithm:
    """itsdangerous.signer.SigningAlgorithm: subclasses implement get_signature(key, value) -> bytes."""

    def get_signature(self, key, value):
        raise NotImplementedError()

    def verify_signature(self, key, value, sig):
        return _hmac.compare_digest(sig, self.get_signature(key, value))


class NoneAlgorithm(SigningAlgorithm):
    """itsdangerous.signer.NoneAlgorithm: the signature is empty (for testing only)."""

    def get_signature(self, key, value):
        return b""


class HMACAlgorithm(SigningAlgorithm):
    """itsdangerous.signer.HMACAlgorithm(digest_method=sha1): HMAC (OpenSSL, in the library, for sha1, sha224,
    sha256, sha384, sha512 and md5; hashlib's hmac for any other digest)."""

    default_digest_method = staticmethod(_lazy_sha1)

    def __init__(self, digest_method=None):
        if digest_method is None:
            digest_method = self.default_digest_method
        self.digest_method = digest_method

    def get_signature(self, key, value):
        name = _digest_name(self.digest_method)
        if name is not None:
            return hmac_digest(name, key, value)
        mac = _hmac.new(key, msg=value, digestmod=(lambda d=b"": _new_digest(self.digest_method, d)))
        return mac.digest()

    def verify_signature(self, key, value, sig):
        return constant_time_equal(sig, self.get_signature(key, value))


class Signer:
    """itsdangerous.Signer(secret_key, salt=b'itsdangerous.Signer', sep=b'.', key_derivation='django-concat',
    digest_method=hashlib.sha1, algorithm=None). secret_key may be a list (oldest → newest): signing uses the last,
    verification tries newest first. digest_method: a hashlib constructor or a name ('sha256'). algorithm: a
    SigningAlgorithm (default HMACAlgorithm(digest_method))."""

    default_digest_method = staticmethod(_lazy_sha1)
    default_key_derivation = "django-concat"

    def __init__(self, secret_key, salt=b"itsdangerous.Signer", sep=b".", key_derivation=None, digest_method=None,
                 algorithm=None):
        self.secret_keys = _make_keys_list(secret_key)
        self.sep = _key_bytes(sep)
        if self.sep in _BASE64_ALPHABET:
            raise ValueError(
                "The given separator cannot be used because it may be"
                " contained in the signature itself. ASCII letters,"
                " digits, and '-_=' must not be used."
            )
        if salt is not None:
            salt = _key_bytes(salt)
        else:
            salt = b"itsdangerous.Signer"
        self.salt = salt
        if key_derivation is None:
            key_derivation = self.default_key_derivation
        self.key_derivation = key_derivation
        if digest_method is None:
            digest_method = self.default_digest_method
        self.digest_method = digest_method
        if algorithm is None:
            algorithm = HMACAlgorithm(self.digest_method)
        self.algorithm = algorithm

    @property
    def secret_key(self):
        """The newest (last) secret key."""
        return self.secret_keys[-1]

    # -- the library's signer, when this configuration is one it computes ------------------------------
    _native_cls = _c.Signer

    def _native(self):
        cls = type(self)
        base = TimestampSigner if issubclass(cls, TimestampSigner) else Signer
        for name in ("derive_key", "get_signature", "verify_signature"):
            if getattr(cls, name) is not getattr(base, name):
                return None
        alg = self.algorithm
        if type(alg) is not HMACAlgorithm or self.key_derivation not in _NATIVE_DERIVATIONS:
            return None
        name = _digest_name(alg.digest_method)
        if name is None or _digest_name(self.digest_method) != name:
            return None
        key = (tuple(self.secret_keys), self.salt, self.sep, self.key_derivation, name)
        cached = self.__dict__.get("_native_core")
        if cached is None or cached[0] != key:
            cached = (key, self._native_cls(list(self.secret_keys), salt=self.salt, sep=self.sep,
                                            key_derivation=self.key_derivation, digest_method=name))
            self.__dict__["_native_core"] = cached
        return cached[1]

    def derive_key(self, secret_key=None):
        """The signing key for a secret key (default the newest), as key_derivation says."""
        if secret_key is None:
            secret_key = self.secret_keys[-1]
        else:
            secret_key = want_bytes(secret_key)
        name = _digest_name(self.digest_method)
        if self.key_derivation == "concat":
            data = self.salt + secret_key
            return hash_digest(name, data) if name else _new_digest(self.digest_method, data).digest()
        elif self.key_derivation == "django-concat":
            data = self.salt + b"signer" + secret_key
            return hash_digest(name, data) if name else _new_digest(self.digest_method, data).digest()
        elif self.key_derivation == "hmac":
            if name:
                return hmac_digest(name, secret_key, self.salt)
            mac = _hmac.new(secret_key, digestmod=(lambda d=b"": _new_digest(self.digest_method, d)))
            mac.update(self.salt)
            return mac.digest()
        elif self.key_derivation == "none":
            return secret_key
        else:
            raise TypeError("Unknown key derivation method")

    def get_signature(self, value):
        """base64(algorithm.get_signature(derive_key(), value))."""
        core = self._native()
        if core is not None:
            return core.get_signature(value)
        value = want_bytes(value)
        key = self.derive_key()
        sig = self.algorithm.get_signature(key, value)
        return base64_encode(sig)

    def sign(self, value):
        """value + sep + signature."""
        core = self._native()
        if core is not None and type(self).get_signature is Signer.get_signature:
            return core.sign(value)
        value = want_bytes(value)
        return value + self.sep + self.get_signature(value)

    def verify_signature(self, value, sig):
        """True when sig is the signature of value under any of the secret keys (newest first)."""
        core = self._native()
        if core is not None:
            return core.verify_signature(value, sig)
        try:
            sig = base64_decode(sig)
        except Exception:  # noqa: BLE001 - itsdangerous: any decoding failure is a mismatch
            return False
        value = want_bytes(value)
        for secret_key in reversed(self.secret_keys):
            key = self.derive_key(secret_key)
            if self.algorithm.verify_signature(key, value, sig):
                return True
        return False

    def unsign(self, signed_value):
        """The value, or BadSignature (payload: the value part; None without a separator)."""
        core = self._native()
        if core is not None and type(self).verify_signature is Signer.verify_signature:
            return core.unsign(signed_value)
        signed_value = want_bytes(signed_value)
        if self.sep not in signed_value:
            raise BadSignature(f"No {self.sep!r} found in value")
        value, sig = signed_value.rsplit(self.sep, 1)
        if self.verify_signature(value, sig):
            return value
        raise BadSignature(f"Signature {sig!r} does not match", payload=value)

    def validate(self, signed_value):
        """True when unsign succeeds."""
        try:
            self.unsign(signed_value)
            return True
        except BadSignature:
            return False


class TimestampSigner(Signer):
    """itsdangerous.TimestampSigner: a Signer whose value carries sep + base64(timestamp). sign(value,
    timestamp=None) and unsign(..., now=None) take the clock (default get_timestamp(), int(time.time()))."""

    _native_cls = _c.TimestampSigner

    def get_timestamp(self):
        return int(_time.time())

    def timestamp_to_datetime(self, ts):
        return _datetime.fromtimestamp(ts, tz=_timezone.utc)

    def _native_timed(self):
        cls = type(self)
        if cls.sign is not TimestampSigner.sign or cls.unsign is not TimestampSigner.unsign or \
                cls.timestamp_to_datetime is not TimestampSigner.timestamp_to_datetime:
            return None
        return self._native()

    def get_signature(self, value):
        core = self._native()
        if core is not None:
            return core.signer.get_signature(value)
        return Signer.get_signature(self, value)

    def verify_signature(self, value, sig):
        core = self._native()
        if core is not None:
            return core.signer.verify_signature(value, sig)
        return Signer.verify_signature(self, value, sig)

    def sign(self, value, timestamp=None):
        """value + sep + timestamp + sep + signature."""
        ts = self.get_timestamp() if timestamp is None else timestamp
        core = self._native_timed()
        if core is not None:
            return core.sign(value, ts)
        value = want_bytes(value)
        stamp = base64_encode(int_to_bytes(ts))
        sep = want_bytes(self.sep)
        value = value + sep + stamp
        return value + sep + self.get_signature(value)

    def unsign(self, signed_value, max_age=None, return_timestamp=False, *, now=None):
        """The value (and the aware UTC datetime it was signed, with return_timestamp), or BadSignature /
        BadTimeSignature / SignatureExpired as itsdangerous raises them."""
        core = self._native_timed()
        if core is not None:
            clock = now
            if clock is None and (max_age is not None or type(self).get_timestamp is not TimestampSigner.get_timestamp):
                clock = self.get_timestamp()
            return core.unsign(signed_value, max_age, return_timestamp, now=clock)
        try:
            result = Signer.unsign(self, signed_value)
            sig_error = None
        except BadSignature as e:
            sig_error = e
            result = e.payload or b""
        sep = want_bytes(self.sep)
        if sep not in result:
            if sig_error:
                raise sig_error
            raise BadTimeSignature("timestamp missing", payload=result)
        value, ts_bytes = result.rsplit(sep, 1)
        ts_int = None
        ts_dt = None
        try:
            ts_int = bytes_to_int(base64_decode(ts_bytes))
        except Exception:  # noqa: BLE001 - itsdangerous: an unreadable stamp is "malformed"
            pass
        if sig_error is not None:
            if ts_int is not None:
                try:
                    ts_dt = self.timestamp_to_datetime(ts_int)
                except (ValueError, OSError, OverflowError) as exc:
                    raise BadTimeSignature("Malformed timestamp", payload=value) from exc
            raise BadTimeSignature(str(sig_error), payload=value, date_signed=ts_dt)
        if ts_int is None:
            raise BadTimeSignature("Malformed timestamp", payload=value)
        if max_age is not None:
            age = (self.get_timestamp() if now is None else now) - ts_int
            if age > max_age:
                raise SignatureExpired(f"Signature age {age} > {max_age} seconds", payload=value,
                                       date_signed=self.timestamp_to_datetime(ts_int))
            if age < 0:
                raise SignatureExpired(f"Signature age {age} < 0 seconds", payload=value,
                                       date_signed=self.timestamp_to_datetime(ts_int))
        if return_timestamp:
            return value, self.timestamp_to_datetime(ts_int)
        return value

    def validate(self, signed_value, max_age=None):
        """True when unsign(signed_value, max_age) succeeds."""
        try:
            self.unsign(signed_value, max_age=max_age)
            return True
        except BadSignature:
            return False

    @property
    def signer(self):
        """The plain Signer with this signer's configuration (the library's, for the native configurations)."""
        core = self._native()
        if core is not None:
            return core.signer
        return Signer(self.secret_keys, salt=self.salt, sep=self.sep, key_derivation=self.key_derivation,
                      digest_method=self.digest_method, algorithm=self.algorithm)
