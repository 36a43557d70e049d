# Image for the production-shaped stack (docker-compose.yaml): Airflow 3.3.2 plus the
# factory's pinned requirements and its local provider (hooks, connection types).
FROM apache/airflow:3.3.2-python3.11
USER airflow
COPY --chown=airflow:root requirements.txt requirements-voice.txt pyproject.toml /opt/acf/
COPY --chown=airflow:root include /opt/acf/include
COPY --chown=airflow:root plugins /opt/acf/plugins
RUN pip install --no-cache-dir -r /opt/acf/requirements.txt \
 && pip install --no-cache-dir --no-deps --require-hashes -r /opt/acf/requirements-voice.txt \
 && pip install --no-cache-dir --no-deps -e /opt/acf
