-- Per-account sending limits and retention (NULL: the domain's default), delivery webhooks, and a
-- trigger that records every delivery state change for the webhook relay in the same transaction.

ALTER TABLE sender
    ADD COLUMN max_messages_per_hour int,
    ADD COLUMN max_messages_per_day  int,
    ADD COLUMN max_recipients        int,
    ADD COLUMN quota_bytes           bigint,
    ADD COLUMN keep_sent_copies      boolean;

ALTER TABLE message ADD COLUMN content_deleted_at timestamptz;
CREATE INDEX message_expires ON message (expires_at) WHERE content IS NOT NULL;

CREATE TABLE webhook (
    sender     text        PRIMARY KEY REFERENCES sender (address),
    url        text        NOT NULL,
    secret     text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_event (
    id              bigserial   PRIMARY KEY,
    sender          text        NOT NULL,
    message_id      uuid        NOT NULL,
    recipient       text        NOT NULL,
    state           text        NOT NULL,
    detail          text,
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    attempts        int         NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    given_up_at     timestamptz,
    last_error      text
);
CREATE INDEX webhook_event_due ON webhook_event (next_attempt_at) WHERE delivered_at IS NULL AND given_up_at IS NULL;

CREATE FUNCTION record_delivery_change() RETURNS trigger AS $$
BEGIN
    INSERT INTO webhook_event (sender, message_id, recipient, state, detail)
    SELECT m.sender, NEW.message_id, NEW.recipient, NEW.state, NEW.detail
    FROM message m JOIN webhook w ON w.sender = m.sender
    WHERE m.id = NEW.message_id;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER delivery_state_changed
    AFTER UPDATE OF state ON delivery
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION record_delivery_change();
