"""The factory's security pieces that need no Airflow: roles as data, key ages, backup encryption."""
