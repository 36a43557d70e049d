"""Data walks one way: the stages share content types through acf.content_models, not through each other."""
from __future__ import annotations

import ast
from pathlib import Path

ACF = Path(__file__).resolve().parents[2] / "include" / "acf"


def _imported(package: str) -> dict[str, set[str]]:
    found = {}
    for path in sorted((ACF / package).glob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[path.name] = names
    return found


def _reaching(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{package}/{name} imports {module}" for name, modules in _imported(package).items()
            for module in sorted(modules) if module.split(".")[:2] in [f.split(".") for f in forbidden]]


def test_media_imports_neither_the_opportunity_nor_the_text_stage():
    assert _reaching("media", ("acf.opportunities", "acf.text")) == []


def test_text_imports_neither_the_media_nor_the_opportunity_stage():
    assert _reaching("text", ("acf.media", "acf.opportunities")) == []


def test_the_domain_never_imports_a_hook_or_airflow():
    """include/acf is plain Python: hooks reach it by injection from the tasks, never by import (not even
    by a string handed to importlib)."""
    offenders = []
    for path in sorted(ACF.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            modules = []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module":
                if not _imports_own_submodule(node):
                    offenders.append(f"{path.relative_to(ACF)} calls importlib.import_module")
            offenders += [f"{path.relative_to(ACF)} imports {m}" for m in modules
                          if m.split(".")[0] in ("hooks", "operators")
                          or (m.split(".")[0] == "airflow" and path.name not in AIRFLOW_ALLOWED)]
    assert offenders == []


def _imports_own_submodule(call: ast.Call) -> bool:
    """A package discovering its own modules (``import_module(f"{__name__}.{name}")``) stays in the domain."""
    arg = call.args[0] if call.args else None
    return (isinstance(arg, ast.JoinedStr) and bool(arg.values)
            and isinstance(arg.values[0], ast.FormattedValue)
            and isinstance(arg.values[0].value, ast.Name) and arg.values[0].value.id == "__name__")


# The local stack starts Airflow's components and the demo runs dag.test(): they drive Airflow, they are
# not domain steps.
AIRFLOW_ALLOWED = {"local_stack.py", "demo.py"}
