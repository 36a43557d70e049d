"""Provider info of the project's local Airflow provider (entry point ``apache_airflow_provider``).

Each connection type is one YAML file in ``connection_types/`` (hook class,
form fields, field behaviour), so adding a hook never edits a shared list.
Airflow reads this without importing the hooks.
"""
from __future__ import annotations

from pathlib import Path

import yaml

CONNECTION_TYPES_DIR = Path(__file__).with_name("connection_types")


def connection_types() -> list[dict]:
    return [yaml.safe_load(p.read_text()) for p in sorted(CONNECTION_TYPES_DIR.glob("*.yaml"))]


def get_provider_info() -> dict:
    types = connection_types()
    modules = sorted({t["hook-class-name"].rsplit(".", 1)[0] for t in types})
    return {
        "package-name": "ai-content-factory",
        "name": "AI Content Factory",
        "description": "Hooks of the AI Content Factory: trend sources, model APIs, voice, image and platforms.",
        "versions": ["0.1.0"],
        "integrations": [{"integration-name": "AI Content Factory", "tags": ["service"]}],
        "hooks": [{"integration-name": "AI Content Factory", "python-modules": modules}],
        "connection-types": types,
    }
