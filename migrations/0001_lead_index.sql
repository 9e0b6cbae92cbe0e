-- The lead index: a copy of each lead's headline numbers, its stage changes and its webhook
-- deliveries (for listing, the funnel and the delivery log), and the endpoints a 410 Gone
-- disabled for every lead. Lead objects stay the truth; this is their copy.
-- Applied by `wrangler d1 migrations apply leadlight-index` (locally by npm start and the tests).
-- Append-only: never edit a migration that has shipped; add the next number.

CREATE TABLE IF NOT EXISTS leads (
  id         TEXT PRIMARY KEY,
  site       TEXT NOT NULL,
  email      TEXT,
  stage      TEXT NOT NULL,
  score      REAL NOT NULL,
  engagement REAL NOT NULL,
  fit        REAL NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL,
  bot        INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS leads_by_score ON leads (site, score DESC, id);
CREATE INDEX IF NOT EXISTS leads_by_email ON leads (email);

CREATE TABLE IF NOT EXISTS stage_changes (
  lead_id    TEXT NOT NULL,
  sequence   INTEGER NOT NULL,
  site       TEXT NOT NULL,
  from_stage TEXT NOT NULL,
  to_stage   TEXT NOT NULL,
  at         INTEGER NOT NULL,
  PRIMARY KEY (lead_id, sequence)
);
CREATE INDEX IF NOT EXISTS stage_changes_by_time ON stage_changes (site, at);

CREATE TABLE IF NOT EXISTS deliveries (
  id         TEXT PRIMARY KEY,
  lead_id    TEXT NOT NULL,
  endpoint   TEXT NOT NULL,
  type       TEXT NOT NULL,
  sequence   INTEGER NOT NULL,
  status     TEXT NOT NULL,
  attempts   INTEGER NOT NULL,
  last_error TEXT,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_by_status ON deliveries (status, updated_at DESC);

-- Keyed by endpoint id, with the URL that said 410: pointing the endpoint at a new URL enables it.
CREATE TABLE IF NOT EXISTS disabled_endpoints (
  endpoint TEXT PRIMARY KEY,
  url      TEXT NOT NULL,
  at       INTEGER NOT NULL,
  reason   TEXT NOT NULL
);
