"""One hook per external service (installed as the ``hooks`` package; see pyproject.toml)."""
