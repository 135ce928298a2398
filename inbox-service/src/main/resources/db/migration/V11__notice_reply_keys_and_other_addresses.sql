-- Every reply key a notice's hints matched (PROTOCOL.md 3.5): a spam report about the mail stops all of them,
-- not only the first. reply_key (one key) stays readable for notices stored before; nothing writes it now.
ALTER TABLE notice ADD COLUMN reply_keys text[];
UPDATE notice SET reply_keys = ARRAY[reply_key] WHERE reply_key IS NOT NULL;

-- The other addresses of the same mailbox one notification named (bob@ and bob+shop@): the mailbox gets one
-- copy, fetched with this notice's token, and its status reports name every address (PROTOCOL.md 4.1, 5.1).
ALTER TABLE notice ADD COLUMN other_addresses text[];
