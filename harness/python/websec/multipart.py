"""websec.multipart — Flask's request.form / request.files (werkzeug's FormDataParser and MultipartDecoder) with
Flask's limits, byte for byte in two profiles (websec/multipart.hpp).

``parse()`` and ``Parser`` return a ``Form``: ``fields`` and ``files`` in part order, and what Flask shows as
``Form.request_form`` (an ImmutableMultiDict of str) and ``Form.request_files`` (an ImmutableMultiDict of
FileStorage). ``FormDataParser(...).parse(stream, mimetype, content_length, options)`` and ``parse_form_data(environ)``
are werkzeug's own entry points, returning ``(stream, form, files)``; there, as in werkzeug, ``content_length=None``
reads the stream to its end.

``MultiDict``, ``ImmutableMultiDict``, ``Headers`` and ``FileStorage`` behave as werkzeug.datastructures' do for what
forms use: ``getlist``, ``get(key, default, type)``, ``items(multi=True)``, ``lists()``, ``to_dict(flat)``;
FileStorage's ``stream``, ``filename``, ``name``, ``content_type``, ``content_length``, ``mimetype``,
``mimetype_params``, ``headers``, ``save(dst)``, ``read()``.
"""
from __future__ import annotations

import io as _io
import shutil as _shutil
from os import fspath as _fspath

from ._websec import multipart as _c
from ._websec.multipart import (ClientDisconnected, Field, File, Form, FormError, InternalServerError,  # noqa: F401
                                Limits, MalformedForm, RequestEntityTooLarge)

__all__ = ["parse", "Parser", "Form", "Field", "File", "Limits", "FormError", "RequestEntityTooLarge",
           "ClientDisconnected", "MalformedForm", "InternalServerError", "MultiDict", "ImmutableMultiDict", "Headers",
           "FileStorage", "FormDataParser", "parse_form_data"]

_missing = object()


class BadRequestKeyError(KeyError):
    """werkzeug's BadRequestKeyError: a missing key of request.form / request.files (a KeyError; Flask answers
    400)."""

    code = 400


class MultiDict(dict):
    """werkzeug.datastructures.MultiDict: several values per key, in insertion order; d[key] is the first value."""

    def __init__(self, mapping=None):
        super().__init__()
        if mapping is None:
            return
        if isinstance(mapping, MultiDict):
            for k, vs in mapping.lists():
                dict.__setitem__(self, k, list(vs))
        elif isinstance(mapping, dict):
            for k, v in mapping.items():
                if isinstance(v, (tuple, list)):
                    if v:
                        dict.__setitem__(self, k, list(v))
                else:
                    dict.__setitem__(self, k, [v])
        else:
            for k, v in mapping:
                dict.setdefault(self, k, []).append(v)

    def __getitem__(self, key):
        if key in self:
            lst = dict.__getitem__(self, key)
            if lst:
                return lst[0]
        raise BadRequestKeyError(key)

    def __setitem__(self, key, value):
        dict.__setitem__(self, key, [value])

    def add(self, key, value):
        dict.setdefault(self, key, []).append(value)

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's name
        try:
            rv = self[key]
        except KeyError:
            return default
        if type is not None:
            try:
                rv = type(rv)
            except (ValueError, TypeError):
                rv = default
        return rv

    def getlist(self, key, type=None):  # noqa: A002
        try:
            rv = dict.__getitem__(self, key)
        except KeyError:
            return []
        if type is None:
            return list(rv)
        result = []
        for item in rv:
            try:
                result.append(type(item))
            except (ValueError, TypeError):
                pass
        return result

    def setlist(self, key, new_list):
        dict.__setitem__(self, key, list(new_list))

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        else:
            default = self[key]
        return default

    def items(self, multi=False):
        for key, values in dict.items(self):
            if multi:
                for value in values:
                    yield key, value
            else:
                yield key, values[0]

    def lists(self):
        for key, values in dict.items(self):
            yield key, list(values)

    def values(self):
        for values in dict.values(self):
            yield values[0]

    def listvalues(self):
        return dict.values(self)

    def copy(self):
        return self.__class__(self)

    def to_dict(self, flat=True):
        if flat:
            return dict(self.items())
        return dict(self.lists())

    def update(self, mapping):
        for key, value in MultiDict(mapping).items(multi=True):
            self.add(key, value)

    def pop(self, key, default=_missing):
        try:
            lst = dict.pop(self, key)
            if len(lst) == 0:
                raise BadRequestKeyError(key)
            return lst[0]
        except KeyError:
            if default is not _missing:
                return default
            raise BadRequestKeyError(key) from None

    def poplist(self, key):
        return dict.pop(self, key, [])

    def __iter__(self):
        return iter(dict.keys(self))

    def __copy__(self):
        return self.copy()

    def __repr__(self):
        return f"{type(self).__name__}({list(self.items(multi=True))!r})"


class ImmutableMultiDict(MultiDict):
    """werkzeug.datastructures.ImmutableMultiDict: a MultiDict that refuses changes (TypeError)."""

    def _immutable(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__!r} objects are immutable")

    __setitem__ = __delitem__ = add = setlist = setdefault = update = pop = poplist = popitem = clear = _immutable

    def __init__(self, mapping=None):
        MultiDict.__init__(self, mapping)

    def copy(self):
        return MultiDict(self)

    def __hash__(self):
        return hash(tuple(self.items(multi=True)))


class Headers:
    """The headers of a part (werkzeug.datastructures.Headers for what forms use): names compared without case."""

    def __init__(self, items=()):
        self._list = [(k, v) for k, v in items]

    def get(self, key, default=None, type=None):  # noqa: A002
        ikey = key.lower()
        for k, v in self._list:
            if k.lower() == ikey:
                if type is None:
                    return v
                try:
                    return type(v)
                except (ValueError, TypeError):
                    return default
        return default

    def getlist(self, key):
        ikey = key.lower()
        return [v for k, v in self._list if k.lower() == ikey]

    def __getitem__(self, key):
        rv = self.get(key, _missing)
        if rv is _missing:
            raise BadRequestKeyError(key)
        return rv

    def __contains__(self, key):
        return self.get(key, _missing) is not _missing

    def items(self):
        return list(self._list)

    def keys(self):
        return [k for k, _ in self._list]

    def __iter__(self):
        return iter(self._list)

    def __len__(self):
        return len(self._list)

    def __eq__(self, other):
        return isinstance(other, Headers) and other._list == self._list

    def to_wsgi_list(self):
        return list(self._list)

    def __repr__(self):
        return f"{type(self).__name__}({self._list!r})"


def _parse_options_header(value):
    if not value:
        return "", {}
    try:
        from ._websec import content_type as _ct
        r = _ct.parse_options_header(value)
        return r[0], dict(r[1])
    except Exception:  # noqa: BLE001 - the content_type module is optional
        head, _, rest = value.partition(";")
        params = {}
        for part in rest.split(";"):
            k, eq, v = part.strip().partition("=")
            if eq:
                params[k.strip().lower()] = v.strip().strip('"')
        return head.strip(), params


class FileStorage:
    """werkzeug.datastructures.FileStorage: one uploaded file. ``stream`` is a binary file object (the spooled
    temporary file, or the bytes in memory); ``save(dst)`` copies it to a path or file object."""

    def __init__(self, stream=None, filename=None, name=None, content_type=None, content_length=None,
                 headers=None):
        self.name = name
        self.stream = stream or _io.BytesIO()
        if filename is None:
            filename = getattr(stream, "name", None)
            if isinstance(filename, bytes):
                filename = filename.decode("utf-8", "replace")
            if filename and filename[0] == "<" and filename[-1] == ">":
                filename = None
        self.filename = filename
        if headers is None:
            headers = Headers()
        self.headers = headers
        if content_type is not None:
            self.headers._list.append(("Content-Type", content_type))
        if content_length is not None:
            self.headers._list.append(("Content-Length", str(content_length)))

    @classmethod
    def _from_file(cls, f):
        if f.storage == "temp_file" and f.path:
            stream = open(f.path, "rb")  # noqa: SIM115 - the FileStorage owns it (werkzeug's spooled file)
        else:
            stream = _io.BytesIO(f.read())
        fs = cls(stream=stream, filename=f.filename, name=f.name, headers=Headers(f.headers))
        fs._file = f  # keeps the temporary file of the library alive
        return fs

    @property
    def content_type(self):
        return self.headers.get("content-type")

    @property
    def content_length(self):
        try:
            return int(self.headers.get("content-length") or 0)
        except ValueError:
            return 0

    @property
    def mimetype(self):
        return _parse_options_header(self.content_type)[0].lower()

    @property
    def mimetype_params(self):
        return _parse_options_header(self.content_type)[1]

    def save(self, dst, buffer_size=16384):
        """Copies the file to dst (a path or a writable binary file); a path is opened, written and closed."""
        close_dst = False
        if hasattr(dst, "__fspath__"):
            dst = _fspath(dst)
        if isinstance(dst, str):
            dst = open(dst, "wb")  # noqa: SIM115
            close_dst = True
        try:
            _shutil.copyfileobj(self.stream, dst, buffer_size)
        finally:
            if close_dst:
                dst.close()

    def close(self):
        try:
            self.stream.close()
        except Exception:  # noqa: BLE001
            pass

    def __bool__(self):
        return bool(self.filename)

    def __getattr__(self, name):
        try:
            return getattr(self.stream, name)
        except AttributeError:
            if hasattr(self.stream, "_file"):
                return getattr(self.stream._file, name)
            raise

    def __iter__(self):
        return iter(self.stream)

    def __repr__(self):
        return f"<{type(self).__name__}: {self.filename!r} ({self.content_type!r})>"


def _request_form(form):
    return ImmutableMultiDict([(f.name, f.value) for f in form.fields])


def _request_files(form):
    return ImmutableMultiDict([(f.name, FileStorage._from_file(f)) for f in form.files])


Form.request_form = property(_request_form, doc="request.form: an ImmutableMultiDict of the fields (str values).")
Form.request_files = property(_request_files,
                              doc="request.files: an ImmutableMultiDict of FileStorage, one per file part.")

parse = _c.parse
Parser = _c.Parser


class FormDataParser:
    """werkzeug.formparser.FormDataParser(stream_factory=None, max_form_memory_size=None, max_content_length=None,
    cls=None, silent=True, *, max_form_parts=None, profile='upstream'): parse(stream, mimetype, content_length,
    options=None) -> (stream, form, files). content_length None reads the stream to its end. silent=False raises
    the FormError werkzeug would raise (MalformedForm for its ValueError); 413/400 are raised either way."""

    def __init__(self, stream_factory=None, max_form_memory_size=None, max_content_length=None, cls=None,
                 silent=True, *, max_form_parts=None, profile="upstream"):
        self.stream_factory = stream_factory
        self.max_form_memory_size = max_form_memory_size
        self.max_content_length = max_content_length
        self.max_form_parts = max_form_parts
        self.cls = cls or MultiDict
        self.silent = silent
        self.profile = profile

    def parse(self, stream, mimetype, content_length, options=None):
        body = stream.read() if content_length is None else stream.read(max(0, content_length))
        ct = mimetype
        for k, v in (options or {}).items():
            ct += '; %s="%s"' % (k, str(v).replace("\\", "\\\\").replace('"', '\\"'))
        form = _c.parse(body, ct, limits=Limits(self.max_content_length, self.max_form_memory_size,
                                                self.max_form_parts),
                        profile=self.profile, content_length=content_length, raise_on_error=False)
        if form.error is not None and form.status != 200:
            raise {413: RequestEntityTooLarge, 400: ClientDisconnected}.get(form.status, InternalServerError)(
                form.error["message"])
        if form.error is not None and not self.silent:
            raise MalformedForm(form.error["message"])
        return (stream, self.cls([(f.name, f.value) for f in form.fields]),
                self.cls([(f.name, FileStorage._from_file(f)) for f in form.files]))


def parse_form_data(environ, stream_factory=None, max_form_memory_size=None, max_content_length=None, cls=None,
                    silent=True, *, max_form_parts=None, profile="upstream"):
    """werkzeug.formparser.parse_form_data(environ, ...): (stream, form, files) from a WSGI environ (CONTENT_TYPE,
    CONTENT_LENGTH, wsgi.input; no Content-Length and no wsgi.input_terminated is an empty stream)."""
    stream = environ["wsgi.input"]
    cl = environ.get("CONTENT_LENGTH")
    chunked = bool(environ.get("wsgi.input_terminated"))
    body = stream.read() if chunked else (stream.read(int(cl)) if cl and cl.strip().isdigit() else b"")
    form = _c.parse(body, environ.get("CONTENT_TYPE"),
                    limits=Limits(max_content_length, max_form_memory_size, max_form_parts), profile=profile,
                    content_length="auto" if chunked else (cl if cl is not None else "absent"), chunked=chunked,
                    raise_on_error=False)
    if form.error is not None and form.status != 200:
        raise {413: RequestEntityTooLarge, 400: ClientDisconnected}.get(form.status, InternalServerError)(
            form.error["message"])
    if form.error is not None and not silent:
        raise MalformedForm(form.error["message"])
    cls = cls or MultiDict
    return (stream, cls([(f.name, f.value) for f in form.fields]),
            cls([(f.name, FileStorage._from_file(f)) for f in form.files]))
