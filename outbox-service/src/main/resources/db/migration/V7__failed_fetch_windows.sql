-- Failed fetches and status reports (no such token, bad signature) counted per client address and per
-- token prefix in short windows, shared by every outbox replica: past the limit a client is answered 429
-- before anything is looked up, so tokens cannot be guessed at speed. Disposable counters: no WAL.
CREATE UNLOGGED TABLE failed_fetch_window (
    scope        text        NOT NULL,               -- client, token-prefix
    key          text        NOT NULL,
    window_start timestamptz NOT NULL,
    count        int         NOT NULL,
    PRIMARY KEY (scope, key, window_start)
);
