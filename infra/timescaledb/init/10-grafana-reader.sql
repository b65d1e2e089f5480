-- Run once by the TimescaleDB image when its data directory is new: the role Grafana reads
-- the read model with. pg_read_all_data (PostgreSQL 14+) covers tables the services create later;
-- it reads and cannot write. Change the password through GRAFANA_DB_PASSWORD in production.
\getenv grafana_password GRAFANA_DB_PASSWORD
CREATE ROLE grafana_reader LOGIN PASSWORD :'grafana_password';
GRANT pg_read_all_data TO grafana_reader;
ALTER ROLE grafana_reader SET default_transaction_read_only = on;
