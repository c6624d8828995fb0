"""A small, safe expression language for scenario files.

A string value may contain ``${expression}``. When the whole string is one ``${...}``, the value is the
expression's result (an int stays an int, bytes stay bytes); otherwise each ``${...}`` is replaced by ``str()``
of its result. Expressions are a subset of Python: literals, names, ``a.b`` (attribute or mapping key),
``a[b]``, arithmetic (``+ - * // % **`` limited), comparisons, ``and/or/not``, conditional expressions, lists,
tuples, dicts, and calls of the functions the caller provides. Nothing else (no attribute of Python objects, no
comprehension, no lambda) is accepted, so a scenario file cannot run arbitrary code.
"""
from __future__ import annotations

import ast
import operator
import re
from typing import Any, Mapping

_BINOPS = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod, ast.Div: operator.truediv, ast.Pow: operator.pow,
}
_CMPOPS = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
    ast.GtE: operator.ge, ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
_MAX_REPEAT = 64 * 1024 * 1024  # cap on string/bytes multiplication results


class ExprError(ValueError):
    """An expression that does not parse, names something unknown, or fails to evaluate."""


class Namespace(dict):
    """Mapping whose keys are also reachable as attributes in expressions (``limits.max_content_length``)."""


def _get(obj: Any, name: str) -> Any:
    if isinstance(obj, Mapping):
        if name in obj:
            return obj[name]
        raise ExprError(f"no field {name!r}")
    raise ExprError(f"cannot read {name!r} of a {type(obj).__name__}")


def evaluate(source: str, names: Mapping[str, Any]) -> Any:
    """Evaluates one expression (the text inside ``${...}``) with ``names`` (values and callables)."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as e:
        raise ExprError(f"syntax error in expression {source!r}: {e.msg}") from None
    return _eval(tree.body, names, source)


def _eval(node: ast.AST, names: Mapping[str, Any], src: str) -> Any:
    ev = lambda n: _eval(n, names, src)  # noqa: E731
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        if node.id in ("None", "True", "False"):
            return {"None": None, "True": True, "False": False}[node.id]
        raise ExprError(f"unknown name {node.id!r} in {src!r}")
    if isinstance(node, ast.Attribute):
        return _get(ev(node.value), node.attr)
    if isinstance(node, ast.Subscript):
        base = ev(node.value)
        key = ev(node.slice) if not isinstance(node.slice, ast.Slice) else slice(
            ev(node.slice.lower) if node.slice.lower else None, ev(node.slice.upper) if node.slice.upper else None)
        try:
            return base[key]
        except (KeyError, IndexError, TypeError) as e:
            raise ExprError(f"cannot index {src!r}: {e}") from None
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        a, b = ev(node.left), ev(node.right)
        if isinstance(node.op, ast.Pow) and (not isinstance(b, int) or abs(b) > 64):
            raise ExprError("exponent too large")
        if isinstance(node.op, ast.Mult):
            for s, n in ((a, b), (b, a)):
                if isinstance(s, (str, bytes)) and isinstance(n, int) and len(s) * n > _MAX_REPEAT:
                    raise ExprError("repetition too large")
        try:
            return _BINOPS[type(node.op)](a, b)
        except Exception as e:  # noqa: BLE001 - type errors etc. become expression errors
            raise ExprError(f"cannot evaluate {src!r}: {e}") from None
    if isinstance(node, ast.UnaryOp):
        v = ev(node.operand)
        if isinstance(node.op, ast.USub):
            return -v
        if isinstance(node.op, ast.UAdd):
            return +v
        if isinstance(node.op, ast.Not):
            return not v
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            r = True
            for v in node.values:
                r = ev(v)
                if not r:
                    return r
            return r
        r = False
        for v in node.values:
            r = ev(v)
            if r:
                return r
        return r
    if isinstance(node, ast.Compare):
        left = ev(node.left)
        for op, comp in zip(node.ops, node.comparators):
            right = ev(comp)
            if type(op) not in _CMPOPS or not _CMPOPS[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.IfExp):
        return ev(node.body) if ev(node.test) else ev(node.orelse)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [ev(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {ev(k): ev(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.JoinedStr):
        return "".join(str(ev(v.value)) if isinstance(v, ast.FormattedValue) else v.value for v in node.values)
    if isinstance(node, ast.Call):
        fn = ev(node.func)
        if not callable(fn):
            raise ExprError(f"{ast.unparse(node.func)!r} is not a function in {src!r}")
        args = [ev(a) for a in node.args]
        kwargs = {k.arg: ev(k.value) for k in node.keywords if k.arg}
        try:
            return fn(*args, **kwargs)
        except ExprError:
            raise
        except TypeError as e:
            raise ExprError(f"bad call {ast.unparse(node)!r}: {e}") from None
    raise ExprError(f"unsupported syntax {type(node).__name__} in {src!r}")


_TEMPLATE = re.compile(r"\$\{((?:[^{}]|\{[^{}]*\})*)\}")


def has_template(value: Any) -> bool:
    return isinstance(value, str) and "${" in value


def render(value: Any, names: Mapping[str, Any]) -> Any:
    """Renders ``${...}`` templates inside strings, recursively in lists and dicts."""
    if isinstance(value, str):
        if "${" not in value:
            return value
        m = _TEMPLATE.fullmatch(value.strip())
        if m:
            return evaluate(m.group(1), names)
        return _TEMPLATE.sub(lambda mm: _to_text(evaluate(mm.group(1), names)), value)
    if isinstance(value, list):
        return [render(v, names) for v in value]
    if isinstance(value, dict):
        return {render(k, names): render(v, names) for k, v in value.items()}
    return value


def _to_text(v: Any) -> str:
    if isinstance(v, bytes):
        return v.decode("latin-1")
    return str(v)


def check_syntax(value: Any) -> list[str]:
    """Returns the syntax errors of every template in ``value`` (used by the schema at load time)."""
    errs: list[str] = []
    if isinstance(value, str) and "${" in value:
        for m in _TEMPLATE.finditer(value):
            try:
                ast.parse(m.group(1).strip(), mode="eval")
            except SyntaxError as e:
                errs.append(f"syntax error in ${{{m.group(1)}}}: {e.msg}")
        if not _TEMPLATE.search(value):
            errs.append("unterminated ${...}")
    elif isinstance(value, list):
        for v in value:
            errs += check_syntax(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            errs += check_syntax(k) + check_syntax(v)
    return errs
