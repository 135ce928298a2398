-- The bytes each account stores, kept up to date by the database itself, so that checking the quota
-- on every send reads one row instead of summing every message the account still keeps.
ALTER TABLE sender ADD COLUMN stored_bytes bigint NOT NULL DEFAULT 0;

UPDATE sender s SET stored_bytes = coalesce((SELECT sum(m.size) FROM message m
                                             WHERE m.sender = s.address AND m.content IS NOT NULL), 0);

CREATE FUNCTION count_stored_bytes() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.content IS NOT NULL THEN
        UPDATE sender SET stored_bytes = stored_bytes - OLD.size WHERE address = OLD.sender;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.content IS NOT NULL THEN
        UPDATE sender SET stored_bytes = stored_bytes + NEW.size WHERE address = NEW.sender;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER message_stored_bytes
    AFTER INSERT OR DELETE OR UPDATE OF content, size, sender ON message
    FOR EACH ROW EXECUTE FUNCTION count_stored_bytes();
