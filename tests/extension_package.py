"""A temporary installed package that declares an ``acf.extensions`` entry point, for tests.

    path = make_extension_package(tmp_path, "fake_trends_ext", MODULE_SOURCE, {"fake_samples/US.json": "{...}"})
    monkeypatch.syspath_prepend(path)     # now acf.extensions.loaded() finds it

It is found the way a pip-installed package is: importlib.metadata reads the
``<name>-0.1.dist-info/entry_points.txt`` it finds on ``sys.path``.
"""
from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from pathlib import Path

from acf import extensions


def make_extension_package(tmp_path: Path, name: str, module_source: str,
                           files: Mapping[str, str] | None = None) -> Path:
    """Write module ``name`` (``module_source``), a dist-info declaring it as the ``acf.extensions``
    entry point ``name``, and ``files`` (paths relative to ``tmp_path``); returns the folder to put on sys.path.

    A module of that name imported by an earlier test is forgotten, so this one is loaded.
    """
    if not name.isidentifier():
        raise ValueError(f"{name!r} is not an importable module name")
    (tmp_path / f"{name}.py").write_text(module_source, encoding="utf-8")
    dist_info = tmp_path / f"{name}-0.1.dist-info"
    dist_info.mkdir(parents=True, exist_ok=True)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8")
    (dist_info / "entry_points.txt").write_text(f"[{extensions.GROUP}]\n{name} = {name}\n", encoding="utf-8")
    for relative, text in (files or {}).items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    sys.modules.pop(name, None)
    importlib.invalidate_caches()
    return tmp_path


def install_package(site: Path, package_dir: Path, entry_point: str) -> Path:
    """Copy the package ``package_dir`` into ``site`` with a dist-info declaring it as the
    ``acf.extensions`` entry point ``entry_point`` (as pip leaves an installed package); returns ``site``,
    the folder to put on sys.path or PYTHONPATH."""
    import shutil

    name = package_dir.name
    shutil.copytree(package_dir, site / name, ignore=shutil.ignore_patterns("__pycache__"))
    dist_info = site / f"{name}-0.1.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8")
    (dist_info / "entry_points.txt").write_text(f"[{extensions.GROUP}]\n{entry_point} = {name}\n",
                                                encoding="utf-8")
    return site
