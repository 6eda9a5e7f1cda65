-- Two databases and their tables (application data, not managed by Pulumi). A psql script:
-- `psql -f fixture.sql` runs it as it is (the end-to-end suite understands \gexec and \connect).
SELECT 'CREATE DATABASE pgr_example_orders'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'pgr_example_orders')\gexec
SELECT 'CREATE DATABASE pgr_example_billing'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'pgr_example_billing')\gexec

\connect pgr_example_orders
CREATE SCHEMA IF NOT EXISTS sales;
CREATE TABLE IF NOT EXISTS sales.orders (id bigserial PRIMARY KEY, customer text NOT NULL, total numeric NOT NULL);

\connect pgr_example_billing
CREATE SCHEMA IF NOT EXISTS billing;
CREATE TABLE IF NOT EXISTS billing.invoices (id bigserial PRIMARY KEY, order_id bigint NOT NULL, amount numeric NOT NULL);
