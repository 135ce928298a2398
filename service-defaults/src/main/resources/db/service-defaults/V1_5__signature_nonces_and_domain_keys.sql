-- Shared shape, separate databases: each service that verifies or signs PMP/1 requests keeps these
-- in its own database (migrated by that service's Flyway, from the service-defaults library).

CREATE TABLE signature_nonce (
    key_id       text        NOT NULL,
    nonce        text        NOT NULL,
    forget_after timestamptz NOT NULL,
    PRIMARY KEY (key_id, nonce)
);
CREATE INDEX signature_nonce_forget_after ON signature_nonce (forget_after);

CREATE TABLE domain_key (
    kid           text        PRIMARY KEY,
    jwk           text        NOT NULL,            -- private JWK; supply via pullmail.signing-key to keep it out of the database
    state         text        NOT NULL CHECK (state IN ('published', 'active', 'retired')),
    created_at    timestamptz NOT NULL,
    retired_until timestamptz
);
