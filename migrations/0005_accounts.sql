-- Accounts: each Account object's summary (a business email domain's known leads, per site),
-- for GET /v1/accounts. `stages` is JSON {"known": 2, "mql": 1, ...}; `score` the sum of its
-- leads' scores. Account objects stay the truth and push their summary from their alarm.
-- Append-only: never edit a migration that has shipped; add the next number.

CREATE TABLE IF NOT EXISTS accounts (
  site       TEXT NOT NULL,
  domain     TEXT NOT NULL,
  leads      INTEGER NOT NULL,
  stages     TEXT NOT NULL,
  score      REAL NOT NULL,
  last_seen  INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (site, domain)
);
CREATE INDEX IF NOT EXISTS accounts_by_score ON accounts (site, score DESC, domain);
CREATE INDEX IF NOT EXISTS accounts_all_by_score ON accounts (score DESC, domain);
