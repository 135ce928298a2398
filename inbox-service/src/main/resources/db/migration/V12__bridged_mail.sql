-- Mail bridged from SMTP by this domain's own bridge (PROTOCOL.md 3.6): the client, the envelope sender and the
-- SPF, DKIM and DMARC results, as the notification's "bridged" member carried them; null for Pullmail mail.
ALTER TABLE notification ADD COLUMN bridged jsonb;
