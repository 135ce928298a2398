-- A message's bytes leave the bytea column for rows of up to 256 KiB (see MessageBytes in service-defaults):
-- a bytea value is read and written only whole, so a 25 MB message sat whole in the heap, several times.
CREATE TABLE message_chunk (
    message_id uuid    NOT NULL,
    seq        integer NOT NULL,
    data       bytea   NOT NULL,
    PRIMARY KEY (message_id, seq)
);

-- chunks written before their message was accepted; a crash leaves them here, to be swept
CREATE TABLE message_upload (
    id         uuid        PRIMARY KEY,
    touched_at timestamptz NOT NULL   -- when its last chunk was written: an upload idle for an hour is dead
);
CREATE INDEX message_upload_touched ON message_upload (touched_at);

-- in chunks of 256 KiB, as MessageBytes writes them, so that reading an old message holds one chunk too
INSERT INTO message_chunk (message_id, seq, data)
SELECT id, n, substring(content FROM n * 262144 + 1 FOR 262144)
FROM message, generate_series(0, (length(content) - 1) / 262144) AS n
WHERE content IS NOT NULL AND length(content) > 0;
UPDATE message SET content_deleted_at = coalesce(created_at, now()) WHERE content IS NULL AND content_deleted_at IS NULL;

-- the bytes are kept while content_deleted_at is null
CREATE OR REPLACE FUNCTION count_stored_bytes() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.content_deleted_at IS NULL THEN
        UPDATE sender SET stored_bytes = stored_bytes - OLD.size WHERE address = OLD.sender;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.content_deleted_at IS NULL THEN
        UPDATE sender SET stored_bytes = stored_bytes + NEW.size WHERE address = NEW.sender;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER message_stored_bytes ON message;
CREATE TRIGGER message_stored_bytes
    AFTER INSERT OR DELETE OR UPDATE OF content_deleted_at, size, sender ON message
    FOR EACH ROW EXECUTE FUNCTION count_stored_bytes();

-- whoever deletes a message's bytes (retention) or the message, the chunks go with it
CREATE FUNCTION delete_message_chunks() RETURNS trigger AS $$
BEGIN
    DELETE FROM message_chunk WHERE message_id = OLD.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER message_chunks_deleted
    AFTER UPDATE OF content_deleted_at ON message
    FOR EACH ROW WHEN (OLD.content_deleted_at IS NULL AND NEW.content_deleted_at IS NOT NULL)
    EXECUTE FUNCTION delete_message_chunks();
CREATE TRIGGER message_chunks_deleted_with_message
    AFTER DELETE ON message
    FOR EACH ROW EXECUTE FUNCTION delete_message_chunks();

ALTER TABLE message DROP COLUMN content;
CREATE INDEX message_expires_stored ON message (expires_at) WHERE content_deleted_at IS NULL;
