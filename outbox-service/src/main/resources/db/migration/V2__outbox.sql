-- The sender's mail store: accounts that send, their messages' exact bytes, one delivery per
-- recipient (its capability token kept only as a SHA-256 hash), and the transactional outbox of
-- signal requests that the relay hands to the notifier.

CREATE TABLE sender (
    address    text        PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE message (
    id          uuid        PRIMARY KEY,
    sender      text        NOT NULL REFERENCES sender (address),
    subject     text,
    size        bigint      NOT NULL,
    digest      text        NOT NULL,
    content     bytea,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    recalled_at timestamptz
);
CREATE INDEX message_sender_created ON message (sender, created_at DESC);

CREATE TABLE delivery (
    id               uuid        PRIMARY KEY,
    message_id       uuid        NOT NULL REFERENCES message (id),
    recipient        text        NOT NULL,
    recipient_domain text        NOT NULL,
    kind             text        NOT NULL CHECK (kind IN ('to', 'cc', 'bcc')),
    token_hash       bytea       NOT NULL UNIQUE,
    state            text        NOT NULL CHECK (state IN ('queued', 'notified', 'fetched', 'stored', 'declined',
                                                             'spam', 'failed', 'expired', 'recalled')),
    detail           text,
    queued_at        timestamptz NOT NULL,
    notified_at      timestamptz,
    fetched_at       timestamptz,
    stored_at        timestamptz,
    declined_at      timestamptz,
    failed_at        timestamptz,
    expired_at       timestamptz,
    recalled_at      timestamptz,
    UNIQUE (message_id, recipient)
);

-- One row per (message, recipient domain). payload is the PMP/1 notification, with the recipients'
-- tokens in clear: it is cleared as soon as the notifier has taken it.
CREATE TABLE signal_request (
    id               uuid        PRIMARY KEY,
    message_id       uuid        NOT NULL REFERENCES message (id),
    recipient_domain text        NOT NULL,
    payload          text,
    expires_at       timestamptz NOT NULL,
    attempts         int         NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    handed_over_at   timestamptz,
    last_error       text,
    UNIQUE (message_id, recipient_domain)
);
CREATE INDEX signal_request_due ON signal_request (next_attempt_at) WHERE handed_over_at IS NULL;
