"""AI Content Factory domain logic: plain Python, no Airflow imports."""
