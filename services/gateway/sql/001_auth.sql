-- Owned by the gateway: the master account and its sessions.
CREATE TABLE gateway_users (
  id            bigserial   PRIMARY KEY,
  name          text        NOT NULL UNIQUE,
  password_hash text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE gateway_sessions (
  token_hash  bytea       PRIMARY KEY,
  user_id     bigint      NOT NULL REFERENCES gateway_users (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);
CREATE INDEX gateway_sessions_expiry ON gateway_sessions (expires_at);
