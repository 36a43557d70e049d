"""The chaos suite: markers, short/full scaling and the summary line.

* Every test under ``tests/chaos`` is marked ``chaos``. ``make test`` (``pytest -m "not chaos_full"``)
  runs the short version; ``make test-chaos`` (``pytest tests/chaos``) the full one. The full run is
  recognised by its arguments (only ``tests/chaos`` paths, no ``not chaos_full``) or forced with
  ``ACF_CHAOS_FULL=1``; ``ACF_CHAOS_FULL=0`` forces the short one.
* Tests marked ``chaos_full`` run in the full version only.
* The session prints, as the very last line, the counters of :mod:`chaos.registry`:
  ``faults_injected=<n> kills=<n> bad_inputs=<n> crashes=<n> duplicates=<n> lost=<n> secrets_leaked=<n>``.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from chaos import registry

CHAOS_DIR = Path(__file__).resolve().parent


def _is_full_run(config: pytest.Config) -> bool:
    forced = os.environ.get("ACF_CHAOS_FULL")
    if forced in ("0", "1"):
        return forced == "1"
    if "not chaos_full" in (config.getoption("markexpr", "") or ""):
        return False
    args = [a.split("::")[0] for a in config.args if not a.startswith("-")]
    if not args:
        return False
    rootdir = Path(str(config.rootpath))
    paths = [(Path(a) if Path(a).is_absolute() else (Path.cwd() / a)).resolve() for a in args]
    del rootdir
    return all(p == CHAOS_DIR or CHAOS_DIR in p.parents for p in paths)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "chaos_full: chaos test run only by the full chaos run (make test-chaos)")
    os.environ["ACF_CHAOS_FULL"] = "1" if _is_full_run(config) else "0"
    config._acf_chaos_ran = False  # type: ignore[attr-defined]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if CHAOS_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.chaos)
            config._acf_chaos_ran = True  # type: ignore[attr-defined]


def _under_xdist(config: pytest.Config) -> bool:
    """A worker, or a controller of workers: tests/conftest.py then reports the whole run's counters."""
    return hasattr(config, "workerinput") or bool(getattr(config.option, "numprocesses", None))


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if getattr(config, "_acf_chaos_ran", False) and registry.findings and not _under_xdist(config):
        terminalreporter.section("chaos findings")
        for line in registry.findings:
            terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session) -> None:
    # An xdist worker hands its counters to the controller, which adds them up (tests/conftest.py).
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["acf_chaos"] = {"ran": getattr(session.config, "_acf_chaos_ran", False),
                               "counts": registry.counts(), "findings": list(registry.findings)}


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    if getattr(config, "_acf_chaos_ran", False) and not _under_xdist(config):
        sys.stdout.write(registry.summary_line() + "\n")
        sys.stdout.flush()
