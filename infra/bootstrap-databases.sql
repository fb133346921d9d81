-- One database and one role per service, each role with rights on its own
-- database only. Idempotent: run it again to re-sync the role passwords with
-- Secrets Manager. Run by the one-off bootstrap task of infra/database.yaml as
-- the RDS master user (see docs/DEPLOY.md, "Database bootstrap"). Tables are
-- created later by each service's own migrations, run at start or with
-- `<service> migrate`.
--
-- Role passwords reach the server only as SCRAM-SHA-256 verifiers computed on
-- the client, never as cleartext: a failed statement is logged with its text,
-- and the PostgreSQL log is exported to CloudWatch. Give the verifiers as psql
-- variables login_verifier and product_verifier, from infra/scram-verifier:
--   { infra/scram-verifier; cat infra/bootstrap-databases.sql; } | psql -v ON_ERROR_STOP=1
-- Cleartext variables login_password and product_password (the older call)
-- are still accepted: they are hashed here, on the client, by the same script
-- (run from the repository root), and never sent.
\set ON_ERROR_STOP on

\if :{?login_verifier}
\elif :{?login_password}
  \setenv SCRAM_PASSWORD :login_password
  \set login_verifier `infra/scram-verifier --one`
  \setenv SCRAM_PASSWORD
  \unset login_password
\endif
\if :{?product_verifier}
\elif :{?product_password}
  \setenv SCRAM_PASSWORD :product_password
  \set product_verifier `infra/scram-verifier --one`
  \setenv SCRAM_PASSWORD
  \unset product_password
\endif
\if :{?login_verifier}
\else
  \warn 'bootstrap-databases.sql: login_verifier is not set (infra/scram-verifier)'
  SELECT 'login_verifier is not set'::int;
\endif
\if :{?product_verifier}
\else
  \warn 'bootstrap-databases.sql: product_verifier is not set (infra/scram-verifier)'
  SELECT 'product_verifier is not set'::int;
\endif
-- A value that is not a verifier would be hashed by the server, which means it
-- was cleartext: refuse it before it reaches ALTER ROLE.
SELECT :'login_verifier' ~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$'
   AND :'product_verifier' ~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$'
   AS verifiers_are_scram \gset
\if :verifiers_are_scram
\else
  \warn 'bootstrap-databases.sql: login_verifier and product_verifier must be SCRAM-SHA-256 verifiers (infra/scram-verifier)'
  SELECT 'not a SCRAM verifier'::int;
\endif

-- Roles: can log in, nothing else (not superuser: the default, and the RDS
-- master user may not even say so).
SELECT 'CREATE ROLE login' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'login') \gexec
ALTER ROLE login WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD :'login_verifier';

SELECT 'CREATE ROLE product' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'product') \gexec
ALTER ROLE product WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD :'product_verifier';

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
