-- Closing the loop: what sales said about each lead, for GET /v1/stats (feedback, sales) and
-- GET /v1/stats/rules, and when each lead became SQL, for speed to lead (open_over_sla).
-- Lead objects copy their feedback here with the rest of their copy; they stay the truth.
-- Append-only: never edit a migration that has shipped; add the next number.

-- When the lead last became SQL; null before, and again once sales sent it back.
ALTER TABLE leads ADD COLUMN sql_at INTEGER;
CREATE INDEX IF NOT EXISTS leads_open_sql ON leads (stage, site, sql_at);

-- One row per piece of feedback, keyed by the lead's own feedback number, so a copy sent twice
-- is stored once. `sql_at`: when the lead became SQL in the qualification the feedback judged
-- (null when it never did); `rules`: the rules with non-zero points in its score then, as JSON
-- [{"rule", "points"}].
CREATE TABLE IF NOT EXISTS feedback (
  lead_id TEXT NOT NULL,
  id      INTEGER NOT NULL,
  site    TEXT NOT NULL,
  outcome TEXT NOT NULL,
  reason  TEXT,
  amount  REAL,
  at      INTEGER NOT NULL,
  sql_at  INTEGER,
  rules   TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (lead_id, id)
);
CREATE INDEX IF NOT EXISTS feedback_by_time ON feedback (at);
CREATE INDEX IF NOT EXISTS feedback_by_site_time ON feedback (site, at);
