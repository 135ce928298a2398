-- A stored message can later be reported as spam (PROTOCOL.md 5): a notice may then have two status
-- jobs, "stored" and then "spam", so a job is unique per notice, kind and status, not per notice and kind.
ALTER TABLE job DROP CONSTRAINT job_notice_kind_key;
CREATE UNIQUE INDEX job_notice_kind_status ON job (notice, kind, (coalesce(status, '')));
