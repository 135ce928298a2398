-- What each sender sent, queued for the domain's own inbox in the transaction that accepts the message: the
-- Message-ID (without angle brackets), by which the inbox recognises replies (PROTOCOL.md 3.5), and the To and
-- Cc addresses (never Bcc), whom it learns as correspondents. A row is deleted once the inbox has it, and
-- dropped after a day.
CREATE TABLE sent_signal (
    id              uuid        PRIMARY KEY,
    sender          text        NOT NULL,
    message_id      text        NOT NULL,
    correspondents  text[]      NOT NULL,
    sent_at         timestamptz NOT NULL,
    attempts        int         NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text
);
CREATE INDEX sent_signal_due ON sent_signal (next_attempt_at);
