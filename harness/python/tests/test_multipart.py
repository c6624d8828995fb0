import threading

import pytest


multipart = pytest.importorskip("websec.multipart")

CT = "multipart/form-data; boundary=b"
BODY = (b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'
        b'--b\r\nContent-Disposition: form-data; name="f"; filename="x.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n'
        b"--b--\r\n")


def test_parse_fields_and_files():
    form = multipart.parse(BODY, CT)
    assert form.form == [("a", "1")]
    (f,) = form.files
    assert (f.name, f.filename, f.content_type, f.read(), f.size) == ("f", "x.txt", "text/plain", b"hello", 5)
    assert form.status == 200 and form.error is None and form.kind == "multipart"


@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview])
def test_buffer_protocol(wrap):
    assert multipart.parse(wrap(BODY), CT).form == [("a", "1")]


def test_limits_raise_413_with_kind():
    with pytest.raises(multipart.RequestEntityTooLarge) as e:
        multipart.parse(BODY, CT, limits=multipart.Limits(max_form_parts=1))
    assert e.value.http_status == 413 and e.value.kind == "max_form_parts"
    assert isinstance(e.value, multipart.FormError)


def test_silent_empty_form_and_no_raise_mode():
    with pytest.raises(multipart.MalformedForm) as e:
        multipart.parse(BODY[:-9], CT)  # no closing delimiter
    assert e.value.http_status == 200
    form = multipart.parse(BODY[:-9], CT, raise_on_error=False)
    assert form.silent_empty_form and form.error["kind"] == e.value.kind


def test_short_body_is_400():
    with pytest.raises(multipart.ClientDisconnected):
        multipart.parse(BODY, CT, content_length=len(BODY) + 10)


def test_streaming_any_split_same_result():
    whole = multipart.parse(BODY, CT)
    for step in (1, 3, 7):
        p = multipart.Parser(CT, content_length=len(BODY))
        for i in range(0, len(BODY), step):
            p.feed(memoryview(BODY)[i:i + step])
        r = p.finish()
        assert r.form == whole.form and [f.read() for f in r.files] == [b"hello"]
    with pytest.raises(ValueError):
        p.finish()


def test_parallel_parsing_in_threads():
    big = b"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n" + b"x" * 3_000_000 + b"\r\n--b--\r\n"
    out = []
    ts = [threading.Thread(target=lambda: out.append(multipart.parse(big, CT, sink="hash_only").files[0].size))
          for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert out == [3_000_000] * 4


def test_profile_debian_header_without_colon():
    body = b'--b\r\nContent-Disposition: form-data; name="a"\r\nNoColon\r\n\r\n1\r\n--b--\r\n'
    assert multipart.parse(body, CT, profile="upstream").form == [("a", "1")]
    with pytest.raises(multipart.MalformedForm):
        multipart.parse(body, CT, profile="debian")


def test_field_outlives_its_form():
    # fields and files view the Form's storage: a Field kept alone keeps the Form (and its bytes) alive
    import gc

    body = (b'--b\r\nContent-Disposition: form-data; name="a-name-longer-than-sixteen"\r\n'
            b'X-Long-Header-Name: a value longer than sixteen bytes\r\n\r\n' + b"v" * 100 + b"\r\n--b--\r\n")
    field = multipart.parse(body, "multipart/form-data; boundary=b").fields[0]
    gc.collect()
    others = [multipart.parse(body.replace(b"v", b"w"), "multipart/form-data; boundary=b") for _ in range(50)]
    assert field.name == "a-name-longer-than-sixteen"
    assert field.value == "v" * 100 and field.raw == b"v" * 100
    assert field.headers == [("Content-Disposition", 'form-data; name="a-name-longer-than-sixteen"'),
                             ("X-Long-Header-Name", "a value longer than sixteen bytes")]
    assert len(others) == 50
