"""Bundling xlcomp's own source into one file that needs only the standard library.

xlwings Lite keeps a workbook's Python in one ``main.py``. The worksheet functions must compute
there exactly as the engine does, so the generator does not rewrite any math: it takes the
*source* of the modules the registry uses, keeps the top-level statements that the registry's
functions need (following names from module to module), and embeds them, statement for statement
as written, with each module's imports regenerated to point into the bundle. NumPy, which the
engine's curves run on, is bound to :mod:`xlcomp.functions.lite_numpy` (a few pure-Python array
calls); any other import outside the standard library stops the bundle with a
:class:`BundleError`, as does an ``np.`` name the stand-in lacks.

>>> bundle = bundle_modules(["xlcomp.functions.registry"])
>>> "xlcomp.engine.curves" in bundle.modules
True
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from xlcomp.functions import lite_numpy

__all__ = ["BUNDLE_PREFIX", "Bundle", "BundleError", "BundledModule", "bundle_modules"]

# Bundled modules live under this package in sys.modules, so they never meet an installed xlcomp.
BUNDLE_PREFIX = "_xlcomp_lite"
_NUMPY_STANDIN = "xlcomp.functions.lite_numpy"
_EFFECTS = "<side effects>"
_STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}


class BundleError(Exception):
    """The source cannot be bundled for xlwings Lite (an import outside the standard library, a
    NumPy call the stand-in lacks, a name that is not defined)."""


@dataclass
class BundledModule:
    """One module's kept source: its name, path and the text to embed."""

    name: str
    path: str
    source: str
    kept: list[str] = field(default_factory=list)


@dataclass
class Bundle:
    """Modules in an order where each comes after the modules it imports."""

    modules: dict[str, BundledModule]

    def ordered(self) -> list[BundledModule]:
        """The modules, dependencies first."""
        return list(self.modules.values())


@dataclass
class _Statement:
    node: ast.stmt
    defines: set[str]
    uses: set[str]


@dataclass
class _Module:
    name: str
    path: Path
    text: str
    tree: ast.Module
    statements: list[_Statement]
    imports: dict[str, tuple[str, str | None]]  # bound name -> (module, attribute or None for a module)
    definers: dict[str, list[int]]


def _module_path(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise BundleError(f"{name}: module not found")
    return Path(spec.origin)


def _annotation_free_names(node: ast.AST) -> set[str]:
    """Names a statement loads when it runs, annotations left out (they stay text: ``from __future__
    import annotations`` is in every xlcomp module)."""
    names: set[str] = set()
    skip: set[int] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.arg) and child.annotation is not None:
            skip.update(id(n) for n in ast.walk(child.annotation))
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and child.returns is not None:
            skip.update(id(n) for n in ast.walk(child.returns))
        elif isinstance(child, ast.AnnAssign):
            skip.update(id(n) for n in ast.walk(child.annotation))
    for child in ast.walk(node):
        if id(child) in skip:
            continue
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load):
            names.add(child.id)
    return names


def _defined_names(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    names: set[str] = set()
    for target in targets:  # `a = …`, `a, b = …`; not `module.attribute = …`, a side effect
        stack = [target]
        while stack:
            item = stack.pop()
            if isinstance(item, ast.Name):
                names.add(item.id)
            elif isinstance(item, (ast.Tuple, ast.List)):
                stack.extend(item.elts)
            elif isinstance(item, ast.Starred):
                stack.append(item.value)
    return names


def _is_type_checking_block(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _parse(name: str) -> _Module:
    path = _module_path(name)
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text, filename=str(path))
    statements: list[_Statement] = []
    imports: dict[str, tuple[str, str | None]] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                raise BundleError(f"{path}:{node.lineno}: relative imports are not bundled")
            for alias in node.names:
                imports[alias.asname or alias.name] = (node.module or "", alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split(".")[0]
                imports[bound] = (alias.name if alias.asname else alias.name.split(".")[0], None)
        elif _is_type_checking_block(node):
            continue
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the module docstring (kept separately) or a stray string
        else:
            statements.append(_Statement(node, _defined_names(node), _annotation_free_names(node)))
    definers: dict[str, list[int]] = {}
    for index, statement in enumerate(statements):
        for defined in statement.defines:
            definers.setdefault(defined, []).append(index)
    return _Module(name, path, text, tree, statements, imports, definers)


def _submodule(target: str, attribute: str | None) -> str | None:
    """``from xlcomp.rules import payout``: the module ``xlcomp.rules.payout`` (None for a name)."""
    if attribute is None or not target.startswith("xlcomp"):
        return None
    name = f"{target}.{attribute}"
    try:
        return name if importlib.util.find_spec(name) is not None else None
    except ModuleNotFoundError:
        return None


def _stdlib(module: str) -> bool:
    return module.split(".", maxsplit=1)[0] in _STDLIB


def bundle_modules(roots: Sequence[str], whole: Iterable[str] | None = None) -> Bundle:
    """The bundle for ``roots``: every top-level statement of each root module, and of the modules
    they import only what those statements use. ``whole`` names further modules kept entire."""
    parsed: dict[str, _Module] = {}
    kept: dict[str, set[int]] = {}
    order: list[str] = []
    keep_whole = set(roots) | set(whole or ())

    def module(name: str) -> _Module:
        if name not in parsed:
            parsed[name] = _parse(name)
            kept[name] = set()
            # What importing the module does besides defining names (decimal.setcontext(…)) happens in
            # the bundle too.
            work.append((name, _EFFECTS))
        return parsed[name]

    work: list[tuple[str, str | None]] = [(name, None) for name in keep_whole]
    while work:
        name, symbol = work.pop()
        source = module(name)
        if symbol is None:
            indexes = set(range(len(source.statements)))
        elif symbol == _EFFECTS:
            indexes = {i for i, statement in enumerate(source.statements) if not statement.defines}
        else:
            if symbol not in source.definers:
                if symbol in source.imports:  # a name re-exported from another module
                    target, attribute = source.imports[symbol]
                    if target.startswith("xlcomp.") and attribute is not None:
                        submodule = _submodule(target, attribute)
                        work.append((submodule, None) if submodule else (target, attribute))
                        continue
                raise BundleError(f"{source.path}: {symbol!r} is not defined at the top level")
            indexes = set(source.definers[symbol])
        for index in indexes - kept[name]:
            kept[name].add(index)
            for used in source.statements[index].uses:
                if used in source.definers:
                    work.append((name, used))
                elif used in source.imports:
                    target, attribute = source.imports[used]
                    if target == "numpy" and attribute is None:
                        work.append((_NUMPY_STANDIN, None))
                    elif target.startswith("xlcomp.") and attribute is not None:
                        submodule = _submodule(target, attribute)
                        work.append((submodule, None) if submodule else (target, attribute))
    for name in parsed:
        _visit_order(name, parsed, kept, order, set())
    return Bundle({name: _emit(parsed[name], kept[name]) for name in order})


def _used_imports(source: _Module, indexes: set[int]) -> set[str]:
    return {used for index in indexes for used in source.statements[index].uses if used in source.imports}


def _visit_order(name: str, parsed: dict[str, _Module], kept: dict[str, set[int]], order: list[str],
                 visiting: set[str]) -> None:
    if name in order:
        return
    if name in visiting:
        raise BundleError(f"{name}: circular import among the bundled modules")
    visiting.add(name)
    source = parsed[name]
    for bound in sorted(_used_imports(source, kept[name])):
        target, attribute = source.imports[bound]
        target = _NUMPY_STANDIN if target == "numpy" else (_submodule(target, attribute) or target)
        if target in parsed and target != name:
            _visit_order(target, parsed, kept, order, visiting)
    visiting.discard(name)
    order.append(name)


def _emit(source: _Module, indexes: set[int]) -> BundledModule:
    lines: list[str] = []
    docstring = ast.get_docstring(source.tree, clean=False)
    if docstring is not None:
        lines.append(repr(docstring))
    lines.append("from __future__ import annotations")
    for bound in sorted(_used_imports(source, indexes)):
        target, attribute = source.imports[bound]
        lines.append(_import_line(source, bound, target, attribute))
    kept_names: list[str] = []
    text_lines = source.text.splitlines()
    for index, statement in enumerate(source.statements):
        if index not in indexes:
            continue
        # Whole lines, from the first decorator to the end (trailing comments included): top-level
        # statements start at column 0.
        node = statement.node
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1
        segment = "\n".join(text_lines[first:node.end_lineno])
        lines.append("")
        lines.append(segment)
        kept_names.extend(sorted(statement.defines))
    _check_numpy(source, indexes)
    return BundledModule(source.name, str(source.path), "\n".join(lines) + "\n", kept_names)


def _import_line(source: _Module, bound: str, target: str, attribute: str | None) -> str:
    if target == "numpy" and attribute is None:
        return f"import {BUNDLE_PREFIX}.{_NUMPY_STANDIN} as {bound}"
    if target.startswith("xlcomp."):
        if attribute is None:
            raise BundleError(f"{source.path}: 'import {target}' is not bundled; import names from it")
        return f"from {BUNDLE_PREFIX}.{target} import {attribute}" + (f" as {bound}" if bound != attribute else "")
    if not _stdlib(target) or target == "__future__":
        raise BundleError(f"{source.path}: {bound!r} comes from {target!r}, which is not in the standard "
                          "library: xlwings Lite would have to download it")
    if attribute is None:
        return f"import {target}" + (f" as {bound}" if bound != target.split(".", maxsplit=1)[0] else "")
    return f"from {target} import {attribute}" + (f" as {bound}" if bound != attribute else "")


def _check_numpy(source: _Module, indexes: set[int]) -> None:
    aliases = {bound for bound, (target, attribute) in source.imports.items() if target == "numpy" and not attribute}
    for index in indexes:
        for node in ast.walk(source.statements[index].node):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases \
                    and node.attr not in lite_numpy.__all__:
                raise BundleError(f"{source.path}:{node.lineno}: np.{node.attr} is not in "
                                  f"{_NUMPY_STANDIN} (add it there, or keep it out of the worksheet functions)")
