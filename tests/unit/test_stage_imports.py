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
