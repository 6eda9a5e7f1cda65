-- The table the row-level-security example protects (application data, not managed by Pulumi).
-- The program's schema is the stack config `schema` (default `app`); with another schema, replace
-- `app` below. A few orders for two users, so that each user's view can be tried by hand:
--   SET app.current_user_id = '1'; SELECT * FROM app.orders;   -- as the app role: only user 1's
CREATE SCHEMA IF NOT EXISTS app;
CREATE TABLE IF NOT EXISTS app.orders (
  id bigserial PRIMARY KEY,
  user_id integer NOT NULL,
  total numeric NOT NULL
);
INSERT INTO app.orders (user_id, total)
SELECT v.user_id, v.total
  FROM (VALUES (1, 10.00), (1, 25.50), (2, 7.25)) AS v(user_id, total)
 WHERE NOT EXISTS (SELECT 1 FROM app.orders);
