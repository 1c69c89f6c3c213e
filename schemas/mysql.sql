-- Lucia v2's tables for MySQL 8 and MariaDB 10.11+, with the default names used by
-- lucia_adapter_mysql (whose create_schema() runs these same statements, with your table names).
-- Generated from lucia_adapter_mysql/schema.py (lucia-core schema mysql).
-- Idempotent: safe to run on every start. Add user and session attribute columns as you need.
--
-- Differences from Lucia v2's documented MySQL schema, all compatible with its data:
--
-- * Ids are VARCHAR(255), not VARCHAR(15) / VARCHAR(127): custom user ids may be longer than
--   Lucia's generated 15 characters, and key ids are "provider:provider user id".
--
-- * Ids are utf8mb4 (any Unicode text, emoji included) and compared exactly: case, accents,
--   Unicode normalization and trailing spaces all count, so "Ada" and "ada", "e" and "é", "id"
--   and "id " are different users, keys and sessions. That takes a binary NO PAD collation.
--   MySQL's default collations are case- and accent-insensitive, and utf8mb4_bin is PAD SPACE
--   (it ignores trailing spaces) on both servers. The NO PAD binary collation is named
--   differently on each: utf8mb4_nopad_bin on MariaDB (10.2.2+), utf8mb4_0900_bin on MySQL
--   (8.0.17+). Each server runs only its own version comment below: MariaDB runs /*M!...*/ and
--   ignores MySQL 5.7+ version comments (/*!50700 to /*!99999), MySQL treats /*M!...*/ as a plain
--   comment. A server with neither collation rejects the statement rather than fall back to a
--   case-insensitive one.
--
-- * user_id columns are indexed (get_keys_by_user_id, get_sessions_by_user_id).
--
-- * user_token holds one-time tokens and codes (lucia-core's create_token / create_code): id is
--   the SHA-256 hex of the secret, never the secret; expires is unix epoch milliseconds.
--
-- Expirations are BIGINT UNSIGNED (unix epoch milliseconds), as in Lucia v2.
-- The adapter adds STRICT_ALL_TABLES to its connections' sql_mode, so a too-long id is an error,
-- never silently truncated. Foreign keys have no ON DELETE action: Lucia deletes a user's
-- sessions and keys before the user.

CREATE TABLE IF NOT EXISTS `auth_user` (
  `id` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE /*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */ NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `user_key` (
  `id` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE /*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */ NOT NULL,
  `user_id` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE /*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */ NOT NULL,
  `hashed_password` VARCHAR(255) NULL,
  PRIMARY KEY (`id`),
  KEY `user_id` (`user_id`),
  FOREIGN KEY (`user_id`) REFERENCES `auth_user` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `user_session` (
  `id` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE /*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */ NOT NULL,
  `user_id` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE /*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */ NOT NULL,
  `active_expires` BIGINT UNSIGNED NOT NULL,
  `idle_expires` BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (`id`),
  KEY `user_id` (`user_id`),
  FOREIGN KEY (`user_id`) REFERENCES `auth_user` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS `user_token` (
  `id` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE /*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */ NOT NULL,
  `user_id` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE /*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */ NOT NULL,
  `purpose` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE /*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */ NOT NULL,
  `expires` BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (`id`),
  KEY `user_id` (`user_id`),
  FOREIGN KEY (`user_id`) REFERENCES `auth_user` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
