-- The answer given to a notification, kept to give it again to a repeat, in a table of its own: written
-- once when the intake is done, instead of rewriting the whole notification row (and leaving a dead copy
-- of it) to fill in a column.
CREATE TABLE notification_receipt (
    notification uuid PRIMARY KEY REFERENCES notification (id) ON DELETE CASCADE,
    receipt      text NOT NULL
);

INSERT INTO notification_receipt (notification, receipt)
SELECT id, receipt FROM notification WHERE receipt <> '';

ALTER TABLE notification DROP COLUMN receipt;
