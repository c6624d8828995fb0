"""pytest for the websec Python module itself (run by scripts/test with PYTHONPATH=build/default/python)."""
import importlib

import pytest


def need(module: str):
    """Imports websec.<module>, skipping the test module when that library module is not built yet."""
    import websec

    if module not in websec.modules:
        pytest.skip(f"websec.{module} is not built in this tree", allow_module_level=True)
    return importlib.import_module("websec." + module)
