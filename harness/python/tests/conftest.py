"""pytest for the websec Python module itself (run by scripts/test with PYTHONPATH=build/default/python).

Each test file imports its submodule with pytest.importorskip("websec.<module>"), so a tree where a library
module is not built yet skips those tests instead of failing.
"""
