-- The factory's own database beside Airflow's metadata database (compose only).
CREATE DATABASE acf OWNER airflow;
