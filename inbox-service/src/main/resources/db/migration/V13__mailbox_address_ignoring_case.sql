-- RCPT TO:<Bob@beta.test> reaches bob@beta.test: the SMTP bridge's lookup ignores case once the exact match missed
CREATE INDEX mailbox_address_lower ON mailbox (lower(address));
