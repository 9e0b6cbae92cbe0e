-- Attribution: each lead's first-touch channel (direct, organic_search, paid_search,
-- organic_social, paid_social, email, referral, other), for GET /v1/stats `by_channel`.
-- Null for a lead with no page view yet, and for copies pushed before this release until the
-- lead's next copy. Lead objects stay the truth; this is their copy.
-- Append-only: never edit a migration that has shipped; add the next number.

ALTER TABLE leads ADD COLUMN channel TEXT;
CREATE INDEX IF NOT EXISTS leads_by_channel ON leads (site, channel);
