"""Airflow plugin: the Content Factory dashboard in the API server and the UI navigation.

- ``fastapi_apps``: the dashboard app mounted at ``/acf`` in the API server.
- ``external_views``: a "Content Factory" entry in the UI's navigation; the UI shows
  ``/acf/trends`` inside its own page (``/plugin/content-factory``), and the browser sends
  the Airflow login cookie with it, so the same login protects the dashboard.

The app is built on first request, so processes that load plugins but serve no
HTTP (scheduler, DAG processor, workers) do not import FastAPI and Airflow's API
security modules for nothing.
"""
from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

URL_PREFIX = "/acf"


class LazyDashboardApp:
    """ASGI app that builds the dashboard the first time it is called."""

    def __init__(self) -> None:
        self._app = None

    async def __call__(self, scope, receive, send) -> None:
        if self._app is None:
            from acf_dashboard.app import create_app

            self._app = create_app()
        await self._app(scope, receive, send)


class AcfDashboardPlugin(AirflowPlugin):
    name = "acf_dashboard"
    fastapi_apps = [{"app": LazyDashboardApp(), "url_prefix": URL_PREFIX, "name": "Content Factory dashboard"}]
    external_views = [{
        "name": "Content Factory",
        "href": f"{URL_PREFIX}/trends",
        "url_route": "content-factory",
        "destination": "nav",
        "nav_top_level": True,
        "icon": f"{URL_PREFIX}/static/icon.svg",
    }]
