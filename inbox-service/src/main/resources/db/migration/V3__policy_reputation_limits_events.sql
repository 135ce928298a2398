-- Policy by address and by domain, for each user and for the whole domain; the default for
-- strangers; reputation counters; intake-limit windows shared by every replica; the event log that
-- the push stream replays; bulk detection by digest.

CREATE TABLE sender_rule (
    mailbox    text        NOT NULL REFERENCES mailbox (address),
    entry      text        NOT NULL,                 -- an address (ann@example.org) or a domain (example.org)
    kind       text        NOT NULL CHECK (kind IN ('contact', 'allow', 'block')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (mailbox, entry)
);
INSERT INTO sender_rule (mailbox, entry, kind, created_at) SELECT mailbox, address, 'contact', created_at FROM contact;
INSERT INTO sender_rule (mailbox, entry, kind, created_at) SELECT mailbox, entry, 'block', created_at FROM blocked_sender
    ON CONFLICT (mailbox, entry) DO UPDATE SET kind = 'block';
DROP TABLE contact;
DROP TABLE blocked_sender;

CREATE TABLE domain_rule (
    entry      text        PRIMARY KEY,
    kind       text        NOT NULL CHECK (kind IN ('allow', 'block')),
    created_by text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- 'hold' (a request), 'fetch_verified' (fetch at once from reputable domains), 'refuse'
CREATE TABLE domain_setting (
    name  text PRIMARY KEY,
    value text NOT NULL
);
ALTER TABLE mailbox ADD COLUMN stranger_policy text CHECK (stranger_policy IN ('hold', 'fetch_verified', 'refuse'));

-- one row per sender address and per sender domain
CREATE TABLE sender_reputation (
    sender     text        PRIMARY KEY,
    received   bigint      NOT NULL DEFAULT 0,
    fetched    bigint      NOT NULL DEFAULT 0,
    declined   bigint      NOT NULL DEFAULT 0,
    spam       bigint      NOT NULL DEFAULT 0,
    refused    bigint      NOT NULL DEFAULT 0,
    first_seen timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE intake_window (
    scope        text        NOT NULL,               -- sender-domain, sender-ip, recipient
    key          text        NOT NULL,
    window_start timestamptz NOT NULL,
    count        int         NOT NULL,
    PRIMARY KEY (scope, key, window_start)
);

CREATE TABLE mailbox_event (
    id         bigserial   PRIMARY KEY,
    mailbox    text        NOT NULL REFERENCES mailbox (address),
    type       text        NOT NULL CHECK (type IN ('request', 'message')),
    subject_id uuid        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mailbox_event_mailbox_id ON mailbox_event (mailbox, id);

CREATE INDEX notification_digest_received ON notification (digest, received_at);
ALTER TABLE notice ADD COLUMN policy text;          -- why it was held, fetched or refused
