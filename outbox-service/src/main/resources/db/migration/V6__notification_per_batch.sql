-- A message's recipients in one domain may need several notifications (each at most 4 KiB), and each
-- has an id of its own within that domain, the receiver's idempotency key with the sender's domain:
-- the message id for the first, "<id>.<n>" for the others. A delivery remembers which notification
-- announced it, so that the notifier's outcome of one notification (a bounce) changes only the
-- recipients it carried.
ALTER TABLE signal_request ADD COLUMN notification_id text;
UPDATE signal_request SET notification_id = message_id::text;
ALTER TABLE signal_request DROP CONSTRAINT signal_request_message_id_recipient_domain_key;
ALTER TABLE signal_request ADD CONSTRAINT signal_request_notification_key UNIQUE (notification_id, recipient_domain);
CREATE INDEX signal_request_message ON signal_request (message_id);

-- null for deliveries from before: their one notification had the message's id
ALTER TABLE delivery ADD COLUMN notification_id text;
