"""One form request as werkzeug sees it: the WSGI environ of a POST with a body, built the same way wherever the
project asks the Python stack a form question (harness/tests/vectors/gen_vectors.py writes the committed vectors
with it, scripts/lib/websec_diff/oracle.py answers the differential campaigns with it).
"""
from __future__ import annotations

import io


def form_request(body: bytes, content_type: str | None, *, content_length="auto", chunked=False, mcl=None,
                 mfms=None, mfp=1000, extra_env=None):
    """A werkzeug Request for a POST of `body`: Content-Type `content_type` (absent when None); Content-Length the
    body's size ("auto"), a given value, or absent (None); chunked sets Transfer-Encoding: chunked and
    wsgi.input_terminated; mcl/mfms/mfp are max_content_length, max_form_memory_size, max_form_parts."""
    from werkzeug.wrappers import Request

    env = {"REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO(body), "SERVER_NAME": "x",
           "SERVER_PORT": "80", "wsgi.url_scheme": "http", "PATH_INFO": "/"}
    if content_type is not None:
        env["CONTENT_TYPE"] = content_type
    if chunked:
        env["wsgi.input_terminated"] = True
        env["HTTP_TRANSFER_ENCODING"] = "chunked"
    elif content_length == "auto":
        env["CONTENT_LENGTH"] = str(len(body))
    elif content_length is not None:
        env["CONTENT_LENGTH"] = str(content_length)
    if extra_env:
        env.update(extra_env)
    r = Request(env)
    r.max_content_length = mcl
    r.max_form_memory_size = mfms
    r.max_form_parts = mfp
    return r
