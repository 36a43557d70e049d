"""The Content Factory dashboard: a FastAPI app mounted in Airflow's API server at /acf.

The plugin manager imports only ``acf_dashboard_plugin.py`` from this folder
(see ``.airflowignore``); the other modules are imported as the ``acf_dashboard``
package (``plugins/`` is on ``sys.path`` in every Airflow process).
"""
