import pytest
import subprocess
import sys

import websec


def test_version_and_profiles():
    assert websec.__version__.count(".") == 2
    assert websec.PROFILES == ("upstream", "debian")


def test_error_is_an_exception_with_attributes():
    assert issubclass(websec.Error, Exception)
    e = websec.Error("x")
    assert str(e) == "x"


def test_submodules_are_importable_by_dotted_name():
    for name in websec.modules:
        mod = __import__("websec." + name, fromlist=["_"])
        assert mod is getattr(websec, name)
        assert mod.__name__ == "websec." + name
        assert mod.__doc__


def test_imports_in_a_fresh_interpreter():
    out = subprocess.run([sys.executable, "-c", "import websec; print(websec.__version__)"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == websec.__version__
