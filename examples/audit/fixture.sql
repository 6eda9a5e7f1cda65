-- Tables the example grants on (application data, not managed by Pulumi).
CREATE SCHEMA IF NOT EXISTS app;
CREATE TABLE IF NOT EXISTS app.users (id bigserial PRIMARY KEY, email text NOT NULL);
CREATE TABLE IF NOT EXISTS app.orders (id bigserial PRIMARY KEY, user_id bigint NOT NULL, total numeric NOT NULL);
