-- Legacy mail the bridge received over SMTP and keeps until the domain's inbox fetched it for every recipient, or it
-- expired (PROTOCOL.md 3.6). Only mail the inbox accepted is kept: a refused or undeliverable message leaves no row.

CREATE TABLE legacy_message (
    id                 uuid        PRIMARY KEY,             -- the last segment of its fetch_url
    notification_id    text        NOT NULL UNIQUE,         -- derived, so that a client's resend is the same message
    from_address       text        NOT NULL,                -- the From header field's address
    mail_from          text        NOT NULL,                -- the envelope sender; empty for a bounce
    client_ip          text        NOT NULL,
    helo               text        NOT NULL,
    spf                text        NOT NULL,
    dkim               text        NOT NULL,
    dkim_domains       text[]      NOT NULL,
    dmarc              text        NOT NULL,
    subject            text,                                -- the preview the notification carried
    size               bigint      NOT NULL,
    digest             text        NOT NULL,                -- Content-Digest value of the kept bytes
    created_at         timestamptz NOT NULL,
    expires_at         timestamptz NOT NULL,
    content_deleted_at timestamptz                          -- the bytes are kept while this is null
);
CREATE INDEX legacy_message_expires ON legacy_message (expires_at) WHERE content_deleted_at IS NULL;
CREATE INDEX legacy_message_created ON legacy_message (created_at);

-- what became of the message for each recipient (RecipientState)
CREATE TABLE legacy_recipient (
    message_id uuid        NOT NULL REFERENCES legacy_message ON DELETE CASCADE,
    address    text        NOT NULL,
    state      text        NOT NULL CHECK (state IN ('notified', 'fetched', 'stored', 'declined', 'spam', 'blocked',
                                                     'unknown')),
    changed_at timestamptz NOT NULL,
    PRIMARY KEY (message_id, address)
);

-- capability tokens, only their SHA-256: a recipient has one per notification of the message (a resend adds one)
CREATE TABLE legacy_token (
    token_hash bytea PRIMARY KEY,
    message_id uuid  NOT NULL,
    address    text  NOT NULL,
    FOREIGN KEY (message_id, address) REFERENCES legacy_recipient ON DELETE CASCADE
);
CREATE INDEX legacy_token_message ON legacy_token (message_id);

-- the bytes, in chunks as MessageBytes (service-defaults) writes them
CREATE TABLE message_chunk (
    message_id uuid    NOT NULL,
    seq        integer NOT NULL,
    data       bytea   NOT NULL,
    PRIMARY KEY (message_id, seq)
);

-- chunks written before their message was accepted; a crash leaves them here, to be swept
CREATE TABLE message_upload (
    id         uuid        PRIMARY KEY,
    touched_at timestamptz NOT NULL
);
CREATE INDEX message_upload_touched ON message_upload (touched_at);

-- whoever deletes a message's bytes (every recipient done, expiry) or the message, the chunks go with it
CREATE FUNCTION delete_legacy_message_chunks() RETURNS trigger AS $$
BEGIN
    DELETE FROM message_chunk WHERE message_id = OLD.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER legacy_message_chunks_deleted
    AFTER UPDATE OF content_deleted_at ON legacy_message
    FOR EACH ROW WHEN (OLD.content_deleted_at IS NULL AND NEW.content_deleted_at IS NOT NULL)
    EXECUTE FUNCTION delete_legacy_message_chunks();
CREATE TRIGGER legacy_message_chunks_deleted_with_message
    AFTER DELETE ON legacy_message
    FOR EACH ROW EXECUTE FUNCTION delete_legacy_message_chunks();

-- signature nonces as the other services keep them (service-defaults' JdbcNonceStore): unlogged, with the epoch since
-- which they are remembered, so that a database crash that empties them makes older signatures refused, not replayable
ALTER TABLE signature_nonce SET UNLOGGED;
CREATE UNLOGGED TABLE signature_nonce_epoch (
    id         int         PRIMARY KEY CHECK (id = 1),
    started_at timestamptz NOT NULL
);
INSERT INTO signature_nonce_epoch (id, started_at) VALUES (1, '-infinity');
