"""Issue 14: the same assertions (compat_checks.py) against the Python stack and against websec, both profiles.

    websec-debian, websec-upstream   the websec module, profile= where its functions take one
    python-debian                    Debian's markupsafe 2.1.2, itsdangerous 2.1.2, werkzeug 2.2.2, Flask 2.2.2
                                     (this interpreter, /usr/bin/python3)
    python-upstream                  the current releases, in a subprocess of an interpreter that has them:
                                     $WEBSEC_UPSTREAM_PYTHON, else the first `python3` on PATH with werkzeug >= 3
                                     (skipped, with the reason, when there is none)
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import compat_checks  # noqa: E402

pytest.importorskip("websec.escape")

HERE = Path(__file__).parent


def _upstream_python():
    cands = [os.environ.get("WEBSEC_UPSTREAM_PYTHON")] + [shutil.which("python3"), shutil.which("python3.11")]
    for c in cands:
        if not c or os.path.realpath(c) == os.path.realpath(sys.executable):
            continue
        try:
            out = subprocess.run([c, "-c", "import importlib.metadata as m, sys; "
                                  "v = m.version('werkzeug'); m.version('flask'); m.version('itsdangerous'); "
                                  "m.version('markupsafe'); print(v)"], capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and int(out.stdout.strip().split(".")[0]) >= 3:
            return c
    return None


@pytest.fixture(scope="session")
def upstream_results():
    py = _upstream_python()
    if py is None:
        pytest.skip("no interpreter with the upstream releases (werkzeug >= 3): set WEBSEC_UPSTREAM_PYTHON")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    out = subprocess.run([py, str(HERE / "compat_checks.py"), "upstream"], capture_output=True, text=True,
                         timeout=300, env=env, cwd=str(HERE))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


IMPLS = ["websec-debian", "websec-upstream", "python-debian", "python-upstream"]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("check", sorted(compat_checks.CHECKS))
def test_compat(check, impl, request):
    kind, profile = impl.split("-")
    if kind == "websec":
        compat_checks.CHECKS[check](compat_checks.websec_lib(profile), profile)
    elif profile == "debian":
        import werkzeug
        import importlib.metadata as md
        if md.version("werkzeug").split(".")[0] != "2":
            pytest.skip("this interpreter does not have Debian's werkzeug 2.2")
        compat_checks.CHECKS[check](compat_checks.python_lib(profile), profile)
    else:
        res = request.getfixturevalue("upstream_results")
        err = res["results"].get(check, "check not run")
        assert err is None, f"upstream {res['versions']}:\n{err}"


def test_upstream_versions(upstream_results):
    v = upstream_results["versions"]
    assert v["werkzeug"].startswith("3.") and v["flask"].startswith("3.") and v["markupsafe"].startswith("3.")


def test_bytes_and_str_cookie_headers_agree():
    import websec.cookie as C
    for profile in ("debian", "upstream"):
        for raw in (b"k=f\xc3\xb6", b'a="\\303\\251"; b=2', b"x=\xe2\x82\xac;y"):
            assert C.parse_cookie(raw, profile=profile) == C.parse_cookie(raw.decode("latin-1"), profile=profile)
            assert C.request_cookies(raw, profile=profile) == C.request_cookies(raw.decode("latin-1"), profile=profile)
    with pytest.raises(UnicodeEncodeError):
        C.parse_cookie("k=€", profile="upstream")  # not a WSGI string: werkzeug 3.1's encode("latin1") raises
    assert C.parse_cookie("k=€", profile="debian") == [("k", "?")]  # werkzeug 2.2: encode("latin1", "replace")


def test_idna_matches_python_on_generated_labels():
    """websec.cookie.idna_encode against this interpreter's str.encode('idna') on labels drawn from the ranges
    nameprep treats differently: ASCII, case folding, NFKC compatibility forms, mapped-to-nothing, prohibited,
    bidi (RandALCat, LCat), combining marks, CJK, unassigned code points."""
    import random

    import websec.cookie as C
    pools = [range(0x20, 0x7F), range(0xA0, 0x250), range(0x370, 0x530), range(0x590, 0x700), range(0x1E00, 0x2000),
             range(0x2000, 0x2070), range(0x2100, 0x2200), range(0x3000, 0x3100), range(0x4E00, 0x4E80),
             range(0xAC00, 0xAC40), range(0xFB00, 0xFB60), range(0xFE00, 0xFE80), range(0xFF00, 0xFFF0),
             range(0x300, 0x370), [0xAD, 0x34F, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x0340, 0x0341, 0x200E,
                                   0x202A, 0xE000, 0xF8FF, 0xFFFD, 0x2FF0, 0x10000, 0x1D400, 0xE0001, 0x0221, 0x0890,
                                   0x1F600, 0x3002, 0xFF0E, 0xFF61]]
    rng = random.Random(14)
    disagreements = []
    for _ in range(4000):
        n = rng.randint(1, 3)
        labels = ["".join(chr(rng.choice(rng.choice(pools))) for _ in range(rng.randint(1, 8))) for _ in range(n)]
        domain = ".".join(labels)
        try:
            want = ("ok", domain.encode("idna"))
        except UnicodeError as e:  # str.encode wraps the codec's message: "encoding with 'idna' codec failed (...)"
            msg = str(e)
            if msg.startswith("encoding with 'idna' codec failed (UnicodeError: "):
                msg = msg[len("encoding with 'idna' codec failed (UnicodeError: "):-1]
            want = ("error", msg)
        try:
            got = ("ok", C.idna_encode(domain))
        except UnicodeError as e:
            got = ("error", e.message)
        if want != got:
            disagreements.append((domain, want, got))
    assert disagreements == [], disagreements[:10]
