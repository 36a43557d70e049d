"""Operators for steps that need more than a @task (installed as the ``operators`` package)."""
