-- Nonces live for five minutes and are written for every signed request: keep them out of the WAL.
-- After a database crash they are gone, so a request captured in the last five minutes could be
-- replayed once; receivers stay idempotent (a repeated notification or status report stores nothing).
-- (In each service's own sequence: a migration in the shared service-defaults location would sort
-- before migrations already applied and stop Flyway on existing databases.)
ALTER TABLE signature_nonce SET UNLOGGED;
