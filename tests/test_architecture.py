"""The floors hold: no module imports an app above its own, and no modules import each other in a circle.

Floor order (README, "Where things live"): core < units < declarations < quotas < review < documents
< demonstration < operations < config. Every import counts, at module level and inside functions; tests/
and bench/ sit outside the floors. Migrations are history and exempt.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOORS = ["core", "units", "declarations", "quotas", "review", "documents", "demonstration", "operations", "config"]
LEVEL = {app: n for n, app in enumerate(FLOORS)}


def _modules():
    """{dotted module name: path} for every project module outside migrations, tests and bench."""
    found = {}
    for app in FLOORS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts:
                continue
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imports(name, path):
    """(line, imported dotted name) for each import in the module, absolute or relative, at any depth."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                # "from pkg import submodule" imports the submodule; "from mod import name" imports mod.
                yield node.lineno, f"{module}.{alias.name}"


def _resolve(target, modules):
    """The project module an import names (the longest known prefix), or None for third-party code."""
    parts = target.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _graph():
    modules = _modules()
    edges = {}
    for name, path in modules.items():
        for line, target in _imports(name, path):
            found = _resolve(target, modules)
            if found and found != name:
                edges.setdefault(name, {}).setdefault(found, line)
    return modules, edges


def test_no_module_imports_an_app_above_its_own():
    modules, edges = _graph()
    wrong = []
    for name, targets in sorted(edges.items()):
        own = LEVEL[name.split(".")[0]]
        for target, line in sorted(targets.items()):
            if LEVEL[target.split(".")[0]] > own:
                wrong.append(f"{modules[name].relative_to(ROOT)}:{line} imports {target}")
    assert not wrong, "imports against the floor order " + " < ".join(FLOORS) + ":\n" + "\n".join(wrong)


def test_no_import_cycles():
    modules, edges = _graph()
    # Tarjan's strongly connected components: any component of more than one module is a cycle.
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in sorted(modules):
        if name not in index:
            visit(name)
    lines = []
    for component in cycles:
        members = set(component)
        lines.append("cycle among " + ", ".join(component) + ":")
        for name in component:
            for target, line in sorted(edges.get(name, {}).items()):
                if target in members:
                    lines.append(f"  {modules[name].relative_to(ROOT)}:{line} imports {target}")
    assert not cycles, "import cycles:\n" + "\n".join(lines)
