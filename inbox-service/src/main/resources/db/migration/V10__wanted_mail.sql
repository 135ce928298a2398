-- Mail a user wants is fetched at once without a rule typed by hand: learned correspondents (whom the
-- user wrote to), replies to the user's own mail (PROTOCOL.md 3.5), tagged addresses; held requests
-- get a daily digest, and how long they wait is measured.

-- whom each mailbox wrote to, in To or Cc, as its own domain's outbox reports it; renewed by every message
CREATE TABLE correspondent (
    mailbox    text        NOT NULL REFERENCES mailbox (address),
    address    text        NOT NULL,
    learned_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (mailbox, address)
);
CREATE INDEX correspondent_expires ON correspondent (expires_at);

-- the messages each mailbox sent, with the reply hint their Message-ID gives for the mailbox's own address
-- (ReplyHint.of(message_id, mailbox)): a notification carrying that hint for this mailbox answers the message
CREATE TABLE sent_message (
    mailbox          text        NOT NULL REFERENCES mailbox (address),
    message_id       text        NOT NULL,
    reply_key        text        NOT NULL,
    sent_at          timestamptz NOT NULL,
    spam_reported_at timestamptz,             -- mail carrying its hint was reported as spam: it opens nothing
    PRIMARY KEY (mailbox, message_id)
);
CREATE INDEX sent_message_reply_key ON sent_message (mailbox, reply_key);
CREATE INDEX sent_message_sent_at ON sent_message (sent_at);

-- local+tag@domain belongs to the mailbox local@domain; an active tag is fetched at once, a blocked one refused
CREATE TABLE mailbox_tag (
    mailbox    text        NOT NULL REFERENCES mailbox (address),
    tag        text        NOT NULL CHECK (tag ~ '^[a-z0-9._-]{1,32}$'),
    blocked    boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (mailbox, tag)
);

-- the tag of the address the notification named (null for the mailbox's own address); the reply key of the
-- user's sent message a hint of it matched; whether it was held for the user (what request figures measure)
ALTER TABLE notice ADD COLUMN tag text;
ALTER TABLE notice ADD COLUMN reply_key text;
ALTER TABLE notice ADD COLUMN held boolean NOT NULL DEFAULT false;
UPDATE notice SET held = true WHERE state = 'requested';
CREATE INDEX notice_held_decided ON notice (decided_at) WHERE held;

-- one digest of waiting requests per mailbox and day, whichever replica makes it
CREATE TABLE request_digest (
    id       uuid        PRIMARY KEY,
    mailbox  text        NOT NULL REFERENCES mailbox (address),
    day      date        NOT NULL,
    waiting  int         NOT NULL,
    domains  int         NOT NULL,
    oldest   timestamptz NOT NULL,
    UNIQUE (mailbox, day)
);

ALTER TABLE mailbox_event DROP CONSTRAINT mailbox_event_type_check;
ALTER TABLE mailbox_event ADD CONSTRAINT mailbox_event_type_check CHECK (type IN ('request', 'message', 'digest'));
