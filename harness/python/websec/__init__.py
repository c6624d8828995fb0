"""websec — the C++ reference implementation of the security mechanisms Flask documents, from Python.

Submodules (present when the library module is built): multipart, urlencoded, content_type, signing,
serializer, json, session, csrf, escape, url, terminal, cookie, headers.

Every function accepts ``bytes``, ``bytearray`` and ``memoryview`` without copying where it takes bytes, and
``str`` (UTF-8) where it takes text. Errors are raised as subclasses of :class:`websec.Error`, which carry
``kind`` (a stable identifier), ``offset`` (byte offset in the input), ``message`` and ``http_status`` (the
outcome the Python stack produces: 413, 400, 200 for werkzeug's silently empty form, 500).

``profile`` arguments take ``"upstream"`` (the newest werkzeug/flask/itsdangerous/markupsafe releases, the
default) or ``"debian"`` (Debian 12's packages, the oracle installed with apt) where behaviour differs.
"""
import sys as _sys
import types as _types

from . import _websec
from ._websec import Error, PROFILES, __version__

if hasattr(_websec, "Finding"):  # the audit result type, when cookie/headers are built
    from ._websec import Finding, SEVERITIES, Verdict  # noqa: F401
if hasattr(_websec, "Report"):  # verdicts per header / cookie (websec/verdict.hpp)
    from ._websec import Report, SubjectReport, VERDICTS  # noqa: F401

modules = tuple(_websec._binders)
"""Names of the library modules this build exposes."""

# A submodule is the compiled one (websec._websec.<name>), or, where websec/<name>.py exists, that Python face: it
# re-exports the compiled module and adds what is Python by nature (Markup as a str subclass, itsdangerous's
# pluggable serializer and signer classes, MultiDict and FileStorage), calling the compiled code for the work.
import importlib as _importlib
import os as _os

_here = _os.path.dirname(__file__)
for _name in dir(_websec):
    _obj = getattr(_websec, _name)
    if isinstance(_obj, _types.ModuleType):
        if _os.path.exists(_os.path.join(_here, _name + ".py")):
            _obj = _importlib.import_module(__name__ + "." + _name)
        else:
            _sys.modules[__name__ + "." + _name] = _obj
        globals()[_name] = _obj
del _name, _obj, _here

__all__ = ["Error", "PROFILES", "__version__", "modules", *(["Finding", "SEVERITIES"] if hasattr(_websec, "Finding") else []),
           *(["Report", "SubjectReport", "VERDICTS"] if hasattr(_websec, "Report") else []), *[m for m in dir(_websec)
           if isinstance(getattr(_websec, m), _types.ModuleType)]]
