-- One database and one role per service, each role with rights on its own
-- database only. Idempotent: run it again to re-sync the role passwords with
-- Secrets Manager. Run by the one-off bootstrap task of infra/database.yaml as
-- the RDS master user, with psql variables login_password and product_password
-- (see docs/DEPLOY.md, "Database bootstrap"). Tables are created later by each
-- service's own migrations, run at start or with `<service> migrate`.
\set ON_ERROR_STOP on

-- Roles: can log in, nothing else (not superuser: the default, and the RDS
-- master user may not even say so).
SELECT 'CREATE ROLE login' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'login') \gexec
ALTER ROLE login WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD :'login_password';

SELECT 'CREATE ROLE product' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'product') \gexec
ALTER ROLE product WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD :'product_password';

-- PostgreSQL 16: to create a database owned by a role, the creating user must
-- be able to SET ROLE to it. The master user created the roles, so it may
-- grant itself that membership.
GRANT login TO CURRENT_USER;
GRANT product TO CURRENT_USER;

-- Databases, each owned by its service's role: the role owns the public schema
-- (pg_database_owner) and so can run its migrations there.
SELECT 'CREATE DATABASE login OWNER login' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'login') \gexec
SELECT 'CREATE DATABASE product OWNER product' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'product') \gexec

-- Nobody else connects: not PUBLIC, so not the other service.
REVOKE ALL ON DATABASE login FROM PUBLIC;
REVOKE ALL ON DATABASE product FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE login TO login;
GRANT CONNECT, TEMPORARY ON DATABASE product TO product;

-- Belt and braces for a database created before PostgreSQL 15 defaults.
\connect login
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
\connect product
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
