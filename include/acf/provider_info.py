"""Provider info of the project's local Airflow provider (entry point ``apache_airflow_provider``).

The connection types are the service registry's declarations (:mod:`acf.services`:
one YAML file per service in ``connection_types/``, plus the extensions'), so adding
a hook never edits a shared list. Airflow reads this without importing the hooks.
"""
from __future__ import annotations

from acf import services


def connection_types() -> list[dict]:
    """The declarations as Airflow's provider schema takes them (the registry's own block left out)."""
    return [{k: v for k, v in declaration.items() if k != services.SERVICE_KEY}
            for declaration in services.connection_types()]


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
