-- A message's bytes leave the bytea column for rows of up to 256 KiB (see MessageBytes in service-defaults):
-- a bytea value is read and written only whole, so a 25 MB message sat whole in the heap, several times.
CREATE TABLE message_chunk (
    message_id uuid    NOT NULL,
    seq        integer NOT NULL,
    data       bytea   NOT NULL,
    PRIMARY KEY (message_id, seq)
);

-- chunks fetched before their message was stored; a crash leaves them here, to be swept
CREATE TABLE message_upload (
    id         uuid        PRIMARY KEY,
    touched_at timestamptz NOT NULL   -- when its last chunk was written: an upload idle for an hour is dead
);
CREATE INDEX message_upload_touched ON message_upload (touched_at);

-- in chunks of 256 KiB, as MessageBytes writes them, so that reading an old message holds one chunk too
INSERT INTO message_chunk (message_id, seq, data)
SELECT id, n, substring(content FROM n * 262144 + 1 FOR 262144)
FROM message, generate_series(0, (length(content) - 1) / 262144) AS n
WHERE length(content) > 0;

-- however a message is deleted (by its user, as spam, with its mailbox), its chunks go with it
CREATE FUNCTION delete_message_chunks() RETURNS trigger AS $$
BEGIN
    DELETE FROM message_chunk WHERE message_id = OLD.id;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER message_chunks_deleted_with_message
    AFTER DELETE ON message
    FOR EACH ROW EXECUTE FUNCTION delete_message_chunks();

ALTER TABLE message DROP COLUMN content;
