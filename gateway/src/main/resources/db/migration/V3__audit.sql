-- Every admin action that changes something, with who, what and when, as the gateway saw it.
CREATE TABLE audit_entry (
    id         bigserial   PRIMARY KEY,
    actor      text        NOT NULL,
    method     text        NOT NULL,
    path       text        NOT NULL,
    status     int         NOT NULL,
    detail     text,
    client     text,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_entry_at ON audit_entry (at DESC);
