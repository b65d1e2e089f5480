-- Run once by the TimescaleDB image when its data directory is new: the role Grafana reads
-- the read model with. It is granted nothing here: the service grants it SELECT on the tables
-- and views the dashboards read, listed in libs/platform/src/dashboard-reads.ts, each time it
-- starts (they do not exist yet when this runs). No pg_read_all_data and no default
-- privileges, so API keys, webhook secrets and deliveries, rejected rows and the event log stay
-- closed to it, and so does any table added later until it is listed there.
-- Change the password through GRAFANA_DB_PASSWORD in production.
\getenv grafana_password GRAFANA_DB_PASSWORD
CREATE ROLE grafana_reader LOGIN PASSWORD :'grafana_password';
ALTER ROLE grafana_reader SET default_transaction_read_only = on;
