-- Accounts of this domain and the key that signs their access tokens. Passwords are bcrypt hashes.

CREATE TABLE account (
    address        text        PRIMARY KEY,
    password_hash  text        NOT NULL,
    roles          text        NOT NULL DEFAULT 'USER',   -- comma-separated: USER, ADMIN
    disabled       boolean     NOT NULL DEFAULT false,
    created_at     timestamptz NOT NULL DEFAULT now(),
    provisioned_at timestamptz                            -- mailbox and outbox created in the services
);

CREATE TABLE token_key (
    kid        text        PRIMARY KEY,
    jwk        text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
