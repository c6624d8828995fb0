"""Differential campaigns: the websec C++ reference (through the Python module) against the Python stack.

scripts/differential drives this package; see core.py for the runner and known_differences.py for the one
table of intended differences between the profiles.
"""
