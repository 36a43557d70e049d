"""The triggerer, started with everything its triggers' looks import already imported.

A look imports lazily: the platform's hook and its API module, the factory database hook (a token
refresh's lock), Leonardo's hook. In a running triggerer those imports came at its first wait, minutes
into a run, as a step in its memory (the 95-minute soak's triggerer: 245 MB, then 300 MB from one point
on, flat after). Importing them before Airflow forks its trigger runner makes them part of the size it
starts at: the runner inherits the modules, and ``gc.freeze()`` keeps the collector from touching (so
copying) the inherited objects.

Run as ``python -m triggers.warm [triggerer options]`` with the plugins folder on ``PYTHONPATH``:
it imports, then hands over to the ``airflow triggerer`` command in the same process.
"""
from __future__ import annotations

import gc
import importlib
import sys

# What a look reaches that its hook's module does not import at its top (tests/unit/triggers checks a
# real look of every deferring service imports nothing beyond these).
WAIT_PATHS = (
    "triggers.media",
    "triggers.publishing",
    "hooks.configured",
    "hooks.factory_db",
    "hooks.airflow_api",
    "acf.publishing.hook_support",
    "acf.publishing.http",
    "acf.publishing.graph",
    "acf.publishing.facebook_api",
    "acf.publishing.instagram_api",
    "acf.publishing.tiktok_api",
    "acf.media.http",
    "airflow.sdk.execution_time.cache",   # Airflow's own lazy import at a Connection lookup
)
DEFERRING_KINDS = ("platform", "image")


def deferring_hooks() -> list[type]:
    """The hook classes a trigger builds: every platform's, and the image providers that wait on a job."""
    from acf import services
    from hooks.configured import hook_class

    found = []
    for kind in DEFERRING_KINDS:
        for service in services.services(kind):
            cls = hook_class(service)
            if kind == "platform" or hasattr(cls, "check_image"):
                found.append(cls)
    return found


def warm_up() -> list[str]:
    """Import what the triggers' looks import; the names imported."""
    before = set(sys.modules)
    for name in WAIT_PATHS:
        importlib.import_module(name)
    deferring_hooks()
    return sorted(set(sys.modules) - before)


def main(argv: list[str] | None = None) -> None:
    from airflow.__main__ import main as airflow_main

    warm_up()
    gc.collect()
    gc.freeze()
    sys.argv = ["airflow", "triggerer", *(sys.argv[1:] if argv is None else argv)]
    airflow_main()


if __name__ == "__main__":
    main()
