"""Every query text a store module can send, found from its call sites without a server.

For each call `<receiver>.<method>(first, ...)` in the store modules whose receiver names the store
(`self.graph`, `backend`, ...), the first argument is resolved to the text(s) it can take: a string
literal, a module constant, a local assigned from a literal, a module dict of texts, or a module
builder called with every spec it can be given. A call site that cannot be resolved is reported,
so that a new kind of call cannot slip past the linters unchecked.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Found:
    """Resolved texts by origin ("module:line"), and the call sites that could not be resolved."""

    texts: dict[str, str] = field(default_factory=dict)
    unresolved: list[str] = field(default_factory=list)

    def add(self, origin: str, text: str) -> None:
        key, n = origin, 1
        while key in self.texts and self.texts[key] != text:
            n += 1
            key = f"{origin}#{n}"
        self.texts[key] = text


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _enclosing_functions(tree: ast.Module) -> dict[ast.AST, ast.AST]:
    """Each node's innermost enclosing function (or the module)."""
    owner: dict[ast.AST, ast.AST] = {}

    def visit(node: ast.AST, fn: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            owner[child] = fn
            visit(child, child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else fn)
    visit(tree, tree)
    return owner


def _local_literals(fn: ast.AST, name: str) -> list[str]:
    """Literal strings assigned to name inside fn."""
    out = []
    for node in ast.walk(fn):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
                and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)):
            out.append(node.value.value)
    return out


def _texts_of(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping) and value and all(isinstance(v, str) for v in value.values()):
        return list(value.values())
    return None


def _builder_texts(module: ModuleType, fn: Callable[..., Any],
                   specs: Callable[[ModuleType, Callable[..., Any]], Iterable[Any]]) -> list[str] | None:
    args = list(specs(module, fn))
    if not args:
        return None
    return [fn(arg) for arg in args]


def resolve_call_sites(folders: Iterable[str], methods: set[str], receiver: re.Pattern[str], *,
                       skip: Iterable[str] = (),
                       builder_args: Callable[[ModuleType, Callable[..., Any]], Iterable[Any]] = lambda m, f: (),
                       ) -> Found:
    """Resolve the first argument of every matching call in the .py files under folders."""
    found = Found()
    skipped = {ROOT / s for s in skip}
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path in skipped:
                continue
            tree = ast.parse(path.read_text(), str(path))
            owner = _enclosing_functions(tree)
            module: ModuleType | None = None
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in methods and node.args
                        and receiver.search(ast.unparse(node.func.value))):
                    continue
                module = module or importlib.import_module(_module_name(path))
                origin = f"{_module_name(path)}:{node.lineno}"
                texts = _resolve(node.args[0], module, owner[node], builder_args)
                if texts is None:
                    found.unresolved.append(f"{origin}: {ast.unparse(node.args[0])}")
                else:
                    for text in texts:
                        found.add(origin, text)
    return found


def _resolve(arg: ast.expr, module: ModuleType, fn: ast.AST,
             builder_args: Callable[[ModuleType, Callable[..., Any]], Iterable[Any]]) -> list[str] | None:
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if isinstance(arg, ast.Name):
        if fn is not None and not isinstance(fn, ast.Module):
            local = _local_literals(fn, arg.id)
            if local:
                return local
        return _texts_of(getattr(module, arg.id, None))
    if isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Name):
        return _texts_of(getattr(module, arg.value.id, None))
    if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Name):
        builder = getattr(module, arg.func.id, None)
        if inspect.isfunction(builder):
            return _builder_texts(module, builder, builder_args)
    return None
