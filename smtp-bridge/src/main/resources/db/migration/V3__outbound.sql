-- Pullmail users' mail to SMTP addresses: the notifier hands a notification over (one row, idempotent on the
-- notification's id within its recipient domain), workers deliver it over SMTP and report each recipient's result
-- to the outbox. The message's bytes are never kept here: each attempt fetches them from the outbox.

CREATE TABLE outbound_message (
    id               uuid        PRIMARY KEY,
    notification_id  text        NOT NULL,
    message_id       uuid        NOT NULL,              -- the outbox's message
    sender           text        NOT NULL,              -- the author: the envelope sender (MAIL FROM)
    recipient_domain text        NOT NULL,
    state            text        NOT NULL CHECK (state IN ('pending', 'done')),
    attempts         int         NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    give_up_at       timestamptz NOT NULL,
    last_error       text,
    created_at       timestamptz NOT NULL,
    done_at          timestamptz,
    UNIQUE (notification_id, recipient_domain)
);
CREATE INDEX outbound_message_due ON outbound_message (next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbound_message_done ON outbound_message (done_at) WHERE state = 'done';

-- each recipient's result; token is the recipient's capability at the outbox, dropped once the result is final
CREATE TABLE outbound_recipient (
    outbound_id uuid        NOT NULL REFERENCES outbound_message ON DELETE CASCADE,
    address     text        NOT NULL,
    token       text,
    status      text        NOT NULL CHECK (status IN ('pending', 'stored', 'failed')),
    detail      text,                                    -- the MTA's last reply
    decided_at  timestamptz,
    reported    boolean     NOT NULL DEFAULT false,      -- the outbox has heard the final status
    PRIMARY KEY (outbound_id, address)
);
CREATE INDEX outbound_recipient_unreported ON outbound_recipient (outbound_id) WHERE status <> 'pending' AND NOT reported;

-- the domain's DKIM keys (RSA-2048): the active one signs; the others stay published until an admin removes their
-- records, so that mail signed with them still verifies
CREATE TABLE dkim_key (
    selector    text        PRIMARY KEY,
    domain      text        NOT NULL,
    private_key bytea       NOT NULL,                    -- PKCS#8
    public_key  bytea       NOT NULL,                    -- X.509 SubjectPublicKeyInfo, as p= publishes it
    created_at  timestamptz NOT NULL,
    active      boolean     NOT NULL
);
CREATE UNIQUE INDEX dkim_key_one_active ON dkim_key (domain) WHERE active;
