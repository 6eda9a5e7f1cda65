-- The warehouse server's tables (not managed by Pulumi), in its database `server2Database`.
CREATE SCHEMA IF NOT EXISTS warehouse;
CREATE TABLE IF NOT EXISTS warehouse.daily_sales (day date PRIMARY KEY, total numeric NOT NULL);
