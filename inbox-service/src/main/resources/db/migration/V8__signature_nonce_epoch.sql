-- Since when the (unlogged) signature nonces are remembered. A database crash empties unlogged tables,
-- this one with them; the verifier then records a new epoch and refuses, with 503 and Retry-After,
-- requests signed before it, which could be replays of requests the crash made it forget (PROTOCOL.md
-- 8.1). One row, read only when a nonce was not recorded.
CREATE UNLOGGED TABLE signature_nonce_epoch (
    id         int         PRIMARY KEY CHECK (id = 1),
    started_at timestamptz NOT NULL
);
INSERT INTO signature_nonce_epoch (id, started_at) VALUES (1, '-infinity');
