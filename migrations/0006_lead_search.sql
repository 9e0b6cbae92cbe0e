-- Searching and filtering the lead listing (GET /v1/leads q= and channel=), and each lead's
-- verified flag in it. `name` and `company` are the lead's traits of those names; `verified` 1
-- once its email was proven, 0 while it is only claimed. Copies pushed before this release carry
-- none of them until the lead's next copy: `verified` stays null (not known) until then, never a
-- 0 that would mark a proven lead unverified.
-- Lead objects stay the truth; this is their copy.
-- Append-only: never edit a migration that has shipped; add the next number.

ALTER TABLE leads ADD COLUMN name TEXT;
ALTER TABLE leads ADD COLUMN company TEXT;
ALTER TABLE leads ADD COLUMN verified INTEGER;

-- q= matches anywhere in the email, name or company: no B-tree index serves a match inside a
-- text, so a search walks the leads in score order and stops once it has a page: within a site
-- by leads_by_score, across sites (no site=, as the dashboard's "all sites") by the index below,
-- without which every page of the listing read and sorted every lead.
CREATE INDEX IF NOT EXISTS leads_all_by_score ON leads (score DESC, id);

-- channel= pages in score order within a site's channel straight from this index; its prefix
-- (site, channel) also serves by_channel, so the older index goes.
CREATE INDEX IF NOT EXISTS leads_by_channel_score ON leads (site, channel, score DESC, id);
DROP INDEX IF EXISTS leads_by_channel;
