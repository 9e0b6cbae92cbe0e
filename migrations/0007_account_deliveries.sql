-- Accounts fed through the index queue. An account's account.hot deliveries join the delivery
-- log: `account_site` and `account_domain` name the account (and `lead_id` is empty) for them,
-- both are null for a lead's delivery. An account erased whole (its last lead erased) is
-- remembered with its time, so a summary made before that, still on its way, never brings it back.
-- Append-only: never edit a migration that has shipped; add the next number.

ALTER TABLE deliveries ADD COLUMN account_site TEXT;
ALTER TABLE deliveries ADD COLUMN account_domain TEXT;
CREATE INDEX IF NOT EXISTS deliveries_by_account ON deliveries (account_site, account_domain);

CREATE TABLE IF NOT EXISTS erased_accounts (
  site   TEXT NOT NULL,
  domain TEXT NOT NULL,
  at     INTEGER NOT NULL,
  PRIMARY KEY (site, domain)
);
