-- The schema the example's owner role creates its tables in (application data, not managed by Pulumi).
CREATE SCHEMA IF NOT EXISTS app;
