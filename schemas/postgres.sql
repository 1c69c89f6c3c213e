-- Lucia v2's tables for PostgreSQL, with the default names used by lucia_adapter_postgres.
-- Idempotent: safe to run on every start. Add user and session attribute columns as you need.
-- lucia_adapter_postgres.create_schema(pool, tables=...) runs these statements, with your table
-- names substituted; expirations are unix epoch milliseconds (BIGINT). user_token holds one-time
-- tokens and codes: its id is the SHA-256 hex of the secret, never the secret.
-- Generated from lucia_adapter_postgres/schema.py (lucia-core schema postgres).

CREATE TABLE IF NOT EXISTS "auth_user" (
    id TEXT PRIMARY KEY
);

CREATE TABLE IF NOT EXISTS "user_key" (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES "auth_user" (id),
    hashed_password TEXT
);

CREATE TABLE IF NOT EXISTS "user_session" (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES "auth_user" (id),
    active_expires BIGINT NOT NULL,
    idle_expires BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS "user_token" (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES "auth_user" (id),
    purpose TEXT NOT NULL,
    expires BIGINT NOT NULL
);

CREATE INDEX IF NOT EXISTS "user_key_user_id_idx" ON "user_key" (user_id);

CREATE INDEX IF NOT EXISTS "user_session_user_id_idx" ON "user_session" (user_id);

CREATE INDEX IF NOT EXISTS "user_token_user_id_idx" ON "user_token" (user_id);
