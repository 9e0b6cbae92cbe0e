-- GET /v1/accounts across sites pages by score, then domain, then site (worker/paging.ts): this
-- index hands the rows over in that order, so a page neither sorts ties nor reads the pages
-- before it. It serves whatever accounts_all_by_score (score, domain) did, so that one goes.
-- Within a site, accounts_by_score (site, score DESC, domain) already gives that order.
-- Append-only: never edit a migration that has shipped; add the next number.

CREATE INDEX IF NOT EXISTS accounts_by_score_domain_site ON accounts (score DESC, domain, site);
DROP INDEX IF EXISTS accounts_all_by_score;
