-- The recipient side: mailboxes, notifications received (one per sender domain and id), one notice
-- per local recipient (a request while the user decides), fetched messages, the users' policy, and
-- the jobs that fetch messages and report status back to senders.

CREATE TABLE mailbox (
    address    text        PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE notification (
    id              uuid        PRIMARY KEY,
    sender_domain   text        NOT NULL,
    notification_id text        NOT NULL,
    sender          text        NOT NULL,
    subject         text,
    size            bigint      NOT NULL,
    digest          text        NOT NULL,
    fetch_url       text        NOT NULL,
    sent_at         timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    received_at     timestamptz NOT NULL,
    receipt         text        NOT NULL,
    UNIQUE (sender_domain, notification_id)
);

-- One local recipient's copy of a notification. The token is the recipient's own capability.
CREATE TABLE notice (
    id           uuid        PRIMARY KEY,
    notification uuid        NOT NULL REFERENCES notification (id),
    recipient    text        NOT NULL REFERENCES mailbox (address),
    token        text        NOT NULL,
    state        text        NOT NULL CHECK (state IN ('requested', 'fetching', 'stored', 'declined', 'spam',
                                                        'failed', 'expired')),
    detail       text,
    created_at   timestamptz NOT NULL,
    decided_at   timestamptz,
    UNIQUE (notification, recipient)
);
CREATE INDEX notice_recipient_state ON notice (recipient, state, created_at DESC);

CREATE TABLE message (
    id          uuid        PRIMARY KEY,
    notice      uuid        NOT NULL UNIQUE REFERENCES notice (id),
    mailbox     text        NOT NULL REFERENCES mailbox (address),
    sender      text        NOT NULL,
    subject     text,
    size        bigint      NOT NULL,
    content     bytea       NOT NULL,
    received_at timestamptz NOT NULL
);
CREATE INDEX message_mailbox_received ON message (mailbox, received_at DESC);

CREATE TABLE contact (
    mailbox    text        NOT NULL REFERENCES mailbox (address),
    address    text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (mailbox, address)
);

-- entry is an address (bob@beta.test) or a whole domain (beta.test)
CREATE TABLE blocked_sender (
    mailbox    text        NOT NULL REFERENCES mailbox (address),
    entry      text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (mailbox, entry)
);

CREATE TABLE job (
    id              uuid        PRIMARY KEY,
    notice          uuid        NOT NULL REFERENCES notice (id),
    kind            text        NOT NULL CHECK (kind IN ('fetch', 'status')),
    status          text        CHECK (status IN ('stored', 'declined', 'spam')),
    attempts        int         NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    give_up_at      timestamptz NOT NULL,
    done_at         timestamptz,
    last_error      text,
    UNIQUE (notice, kind)
);
CREATE INDEX job_due ON job (next_attempt_at) WHERE done_at IS NULL;
