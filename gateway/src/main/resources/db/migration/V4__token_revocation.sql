-- Access tokens of an account issued at or before this moment are refused (set when the account is disabled
-- or its password reset), so a stolen token dies with the decision rather than at its expiry.
ALTER TABLE account ADD COLUMN tokens_revoked_at timestamptz;
