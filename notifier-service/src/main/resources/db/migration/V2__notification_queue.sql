-- The durable queue of notifications to send, one per (message, recipient domain). payload holds
-- the PMP/1 notification (with the recipients' tokens) until it is sent or given up, then is cleared.
-- Outcomes are reported back to the outbox from the same rows (report_due).

CREATE TABLE notification (
    id               uuid        PRIMARY KEY,
    message_id       text        NOT NULL,
    sender           text        NOT NULL,
    recipient_domain text        NOT NULL,
    payload          text,
    state            text        NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    attempts         int         NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    give_up_at       timestamptz NOT NULL,
    last_error       text,
    receipt          text,
    created_at       timestamptz NOT NULL,
    sent_at          timestamptz,
    failed_at        timestamptz,
    report_due       boolean     NOT NULL DEFAULT false,
    report_attempts  int         NOT NULL DEFAULT 0,
    report_next_at   timestamptz,
    UNIQUE (message_id, recipient_domain)
);
CREATE INDEX notification_due ON notification (next_attempt_at) WHERE state = 'pending';
CREATE INDEX notification_report_due ON notification (report_next_at) WHERE report_due;
