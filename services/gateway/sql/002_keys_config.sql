-- Owned by the gateway: named API keys, and the runtime configuration that
-- users change through /api/config with its automatic backups.
CREATE TABLE gateway_api_keys (
  id           bigserial   PRIMARY KEY,
  name         text        NOT NULL,
  prefix       text        NOT NULL,
  key_hash     bytea       NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);

CREATE TABLE gateway_config (
  id         integer     PRIMARY KEY CHECK (id = 1),
  document   jsonb       NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE gateway_config_backups (
  id         bigserial   PRIMARY KEY,
  name       text        NOT NULL UNIQUE,
  document   jsonb       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
