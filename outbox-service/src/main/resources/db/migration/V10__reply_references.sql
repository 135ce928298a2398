-- The Message-IDs a reply refers to (In-Reply-To, then References last first; at most three, PROTOCOL.md 3.5):
-- with a recipient's address each gives that recipient's reply hint. Null for a message that answers nothing.
ALTER TABLE message ADD COLUMN referenced_ids text[];
