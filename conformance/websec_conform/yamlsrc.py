"""YAML loading that remembers where every value came from (file and line), for error messages and SARIF."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode


@dataclass
class Located:
    """A parsed document plus the line (1-based) of each value, keyed by its path from the root."""
    data: Any
    file: str
    lines: dict[tuple, int] = field(default_factory=dict)

    def line(self, path: tuple) -> int:
        """Line of ``path``, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p and p not in self.lines:
            p = p[:-1]
        return self.lines.get(p, 1)


class LoadError(ValueError):
    """A file that is not valid YAML or does not follow the schema; ``str()`` names file, line and field."""

    def __init__(self, file: str, line: int, field_path: str, message: str):
        self.file, self.line, self.field, self.message = file, line, field_path, message
        where = f"{file}:{line}"
        super().__init__(f"{where}: {field_path}: {message}" if field_path else f"{where}: {message}")


def format_path(path: tuple) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def load_yaml(path: str | Path, display: str | None = None) -> Located:
    """Parses one YAML file; raises LoadError with the position of a syntax error or a duplicate key."""
    display = display or str(path)
    text = Path(path).read_text(encoding="utf-8")
    return load_yaml_text(text, display)


def load_yaml_text(text: str, display: str) -> Located:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise LoadError(display, (mark.line + 1) if mark else 1, "", f"YAML syntax error: {e.problem or e}") from None
    except yaml.YAMLError as e:
        raise LoadError(display, 1, "", f"YAML error: {e}") from None
    finally:
        loader.dispose()
    loc = Located(None, display)
    if node is None:
        return loc

    def build(n, path):
        loc.lines[path] = n.start_mark.line + 1
        if isinstance(n, MappingNode):
            d: dict = {}
            for k, v in n.value:
                if not isinstance(k, ScalarNode):
                    raise LoadError(display, k.start_mark.line + 1, format_path(path), "mapping keys must be scalars")
                key = loader.construct_object(k, deep=True)
                if key == "<<":
                    raise LoadError(display, k.start_mark.line + 1, format_path(path), "merge keys are not supported")
                if key in d:
                    raise LoadError(display, k.start_mark.line + 1, format_path(path + (key,)), "duplicate key")
                d[key] = build(v, path + (key,))
            return d
        if isinstance(n, SequenceNode):
            return [build(v, path + (i,)) for i, v in enumerate(n.value)]
        return loader.construct_object(n, deep=True)

    loc.data = build(node, ())
    return loc
