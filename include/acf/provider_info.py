"""Provider info of the project's local Airflow provider (entry point ``apache_airflow_provider``).

The connection types are the service registry's declarations (:mod:`acf.services`:
one YAML file per service in ``connection_types/``, plus the extensions'), so adding
a hook never edits a shared list. Airflow reads this without importing the hooks.
"""
from __future__ import annotations

from acf import services


# Every factory connection form shows when its key was last rotated (acf.security.key_age reads it;
# acf_maintenance warns past ACF_KEY_MAX_AGE_DAYS). Declared once here, not in each service's YAML.
ROTATED_AT_FIELD = {"rotated_at": {
    "label": "Key rotated at",
    "schema": {"type": ["string", "null"]},
    "description": "Date (YYYY-MM-DD) the key or secret was last rotated; set it whenever you replace the key."
                   " Keys older than 90 days (ACF_KEY_MAX_AGE_DAYS) are flagged on the dashboard.",
}}


def connection_types() -> list[dict]:
    """The declarations as Airflow's provider schema takes them (the registry's own block left out)."""
    return [{**{k: v for k, v in declaration.items() if k != services.SERVICE_KEY},
             "conn-fields": {**(declaration.get("conn-fields") or {}), **ROTATED_AT_FIELD}}
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
