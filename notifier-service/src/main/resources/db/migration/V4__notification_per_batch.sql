-- One queue entry per notification, not per (message, recipient domain): a message's recipients in one
-- domain may need several notifications, each with its own id (unique within the recipient domain). message_id keeps the outbox's message
-- id, so that outcomes can still be reported per message.
ALTER TABLE notification ADD COLUMN notification_id text;
UPDATE notification SET notification_id = message_id;
ALTER TABLE notification ALTER COLUMN notification_id SET NOT NULL;
ALTER TABLE notification DROP CONSTRAINT notification_message_id_recipient_domain_key;
ALTER TABLE notification ADD CONSTRAINT notification_notification_key UNIQUE (notification_id, recipient_domain);
CREATE INDEX notification_message ON notification (message_id);
