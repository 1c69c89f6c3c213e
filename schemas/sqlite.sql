-- Lucia v2's tables for SQLite, with the default names used by lucia_adapter_sqlite.
-- Idempotent: safe to run on every start. Add user and session attribute columns as you need.
-- user_token holds one-time tokens and codes (Auth.create_token / create_code): its id is the
-- SHA-256 hex of the secret, never the secret; expires is unix epoch milliseconds.
-- The adapter turns foreign keys on (PRAGMA foreign_keys = ON) on its connection.
-- Generated from lucia_adapter_sqlite/schema.py (lucia-core schema sqlite).

CREATE TABLE IF NOT EXISTS "auth_user" (
    id TEXT NOT NULL PRIMARY KEY
);

CREATE TABLE IF NOT EXISTS "user_key" (
    id TEXT NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES "auth_user" (id),
    hashed_password TEXT NULL
);

CREATE TABLE IF NOT EXISTS "user_session" (
    id TEXT NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES "auth_user" (id),
    active_expires INTEGER NOT NULL,
    idle_expires INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS "user_token" (
    id TEXT NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES "auth_user" (id),
    purpose TEXT NOT NULL,
    expires INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS "user_key_user_id" ON "user_key" (user_id);

CREATE INDEX IF NOT EXISTS "user_session_user_id" ON "user_session" (user_id);

CREATE INDEX IF NOT EXISTS "user_token_user_id" ON "user_token" (user_id);
