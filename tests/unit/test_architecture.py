"""The shape of the code, checked from its source: layers whose imports point down (no cycles, also
not inside functions), and only the public API of PynamoDB and botocore."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "chalicelib"
# Project code: the app, its library, the scripts, the benchmarks and the tests themselves.
PROJECT_FILES = sorted(
    [ROOT / "app.py", *(ROOT / "chalicelib").rglob("*.py"), *(ROOT / "scripts").glob("*.py"),
     *(ROOT / "benchmarks").glob("*.py"), *(ROOT / "tests").rglob("*.py")]
)
LIBRARIES = ("pynamodb", "botocore")
# Public methods of named tuples, despite their underscore.
NAMED_TUPLE_API = {"_replace", "_asdict", "_fields", "_make"}
# Dunder attributes that reach into how an object is built or stored.
FORBIDDEN_DUNDERS = {"__new__", "__func__", "__dict__"}
# Public names that are a PynamoDB model's internal storage all the same.
FORBIDDEN_NAMES = {"attribute_values"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, anywhere in the file (inside functions too), resolved."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # `from . import x` imports the module x when there is one.
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def _project_graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in (ROOT / PACKAGE).rglob("*.py")}
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph[node]:
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_the_modules_import_each_other_without_cycles_even_inside_functions():
    assert _cycles(_project_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


# Which layers a layer may not import: arrows point down (HTTP -> services -> storage).
FORBIDDEN_IMPORTS = {
    "chalicelib.storage": ("chalicelib.services", "chalicelib.routes", "chalicelib.profiles", "chalicelib.http",
                           "chalicelib.responses", "chalicelib.schemas", "chalicelib.openapi"),
    "chalicelib.http": ("chalicelib.storage", "chalicelib.services"),
    "chalicelib.services": ("chalicelib.routes", "chalicelib.http"),
}


@pytest.mark.parametrize("layer", sorted(FORBIDDEN_IMPORTS))
def test_a_layer_never_imports_the_layers_above_it(layer):
    graph = _project_graph()
    wrong = sorted(
        f"{module} imports {imported}"
        for module, imported_modules in graph.items()
        if module == layer or module.startswith(layer + ".")
        for imported in imported_modules
        if imported.startswith(FORBIDDEN_IMPORTS[layer])
    )
    assert wrong == []


def _defined_names() -> set[str]:
    """Names the project defines itself (functions, classes, attributes it assigns)."""
    names = set()
    for path in PROJECT_FILES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
    return names


def private_library_uses(source: str, own_names: set[str]) -> list[str]:
    """Where `source` touches a private part of PynamoDB or botocore: a private module or name
    imported from them; a private method overridden in a subclass of one of their classes; an
    underscore attribute the project does not define itself, on anything but `self`/`cls`;
    `__new__`/`__func__`/`__dict__`; a model's `attribute_values`; getattr with such a name."""
    tree = ast.parse(source)
    library_names: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in LIBRARIES:
            if any(part.startswith("_") for part in node.module.split(".")):
                found.append(f"line {node.lineno}: private module {node.module}")
            for alias in node.names:
                library_names.add(alias.asname or alias.name)
                if alias.name.startswith("_"):
                    found.append(f"line {node.lineno}: private name {alias.name} from {node.module}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in LIBRARIES:
                    library_names.add((alias.asname or alias.name).split(".")[0])
                    if any(part.startswith("_") for part in alias.name.split(".")):
                        found.append(f"line {node.lineno}: private module {alias.name}")
    for function in tree.body:  # a module-level function using `self` is patched into a class
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(function):
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self" \
                        and node.attr.startswith("_") and not node.attr.startswith("__"):
                    found.append(f"line {node.lineno}: self.{node.attr} outside a class")
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            bases = {ast.unparse(base).split(".")[0] for base in node.bases}
            if bases & library_names:
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("_") \
                            and not (item.name.startswith("__") and item.name.endswith("__")):
                        found.append(f"line {item.lineno}: {node.name} overrides private {item.name}")
        elif isinstance(node, ast.Attribute):
            name = node.attr
            on_self = isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            dunder = name.startswith("__") and name.endswith("__")
            if name in FORBIDDEN_DUNDERS or name in FORBIDDEN_NAMES:
                found.append(f"line {node.lineno}: .{name}")
            elif name.startswith("_") and not dunder and not on_self and name not in NAMED_TUPLE_API \
                    and name not in own_names:
                found.append(f"line {node.lineno}: .{name} on {ast.unparse(node.value)}")
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                root = target
                while isinstance(root, ast.Attribute):
                    root = root.value
                if isinstance(target, ast.Attribute) and isinstance(root, ast.Name) and root.id in library_names:
                    found.append(f"line {node.lineno}: patches {ast.unparse(target)}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("getattr", "setattr"):
            if len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and str(node.args[1].value).startswith("_"):
                found.append(f"line {node.lineno}: {node.func.id}(..., {node.args[1].value!r})")
    return found


def test_project_code_uses_only_the_public_api_of_pynamodb_and_botocore():
    own_names = _defined_names()
    problems = [
        f"{path.relative_to(ROOT)} {problem}"
        for path in PROJECT_FILES
        if path.resolve() != Path(__file__).resolve()
        for problem in private_library_uses(path.read_text(), own_names)
    ]
    assert problems == []


@pytest.mark.parametrize("source", [
    # Each of these was in the code once.
    """
    from pynamodb.connection import Connection
    class Guarded(Connection):
        def _make_api_call(self, name, kwargs):
            return super()._make_api_call(name, kwargs)
    """,
    """
    from pynamodb.models import Model
    class Item(Model):
        @classmethod
        def _get_connection(cls):
            return None
    """,
    "table = Model._get_connection.__func__(TableItem)",
    "transaction._put_items.append(operation)",
    "copy = UserItem.__new__(UserItem)",
    "values = dict(user.attribute_values)",
    "from botocore.client import _private_helper",
    "getattr(client, '_request_signer')",
    """
    import botocore.loaders
    original = botocore.loaders.Loader.__init__
    def shared(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self._cache = {}
    botocore.loaders.Loader.__init__ = shared
    """,
])
def test_the_check_catches_each_kind_of_private_use(source):
    assert private_library_uses(textwrap.dedent(source), own_names={"TableItem", "UserItem"}) != []


def test_the_check_lets_public_use_pass():
    source = """
    from pynamodb.transactions import TransactWrite
    class Transaction:
        def __init__(self, connection):
            self._write = TransactWrite(connection=connection)
        def save(self, item):
            self._write.save(item)
    point = Point(1, 2)._replace(x=3)
    """
    assert private_library_uses(textwrap.dedent(source), own_names=set()) == []
