/**
 * The accounts API (admin): accounts by summed score from the lead index, and one account with
 * its leads straight from its object.
 *
 * @example
 * curl -H "Authorization: Bearer $ADMIN_TOKEN" 'http://127.0.0.1:8787/v1/accounts?site=pk_demo&min_score=100'
 * curl -H "Authorization: Bearer $ADMIN_TOKEN" 'http://127.0.0.1:8787/v1/accounts/acme.io?site=pk_demo'
 */
import type { Hono } from "hono";
import * as z from "zod";
import { LIMITS } from "../../shared/wire";
import type { Env } from "../env";
import { ApiError } from "../errors";
import { query } from "../http/validate";
import { decodeCursor } from "../lead-index";
import { loadConfig } from "../settings";
import { isDomain } from "./domain";
import { listAccounts } from "./listing";
import { accountStub } from "./stub";

const AccountsQuery = z.strictObject({
  site: z.string().max(LIMITS.idLength).optional(),
  min_score: z.coerce.number().finite().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .max(400)
    .refine((cursor) => decodeCursor(cursor) !== null, "cursor is not one this API gave out")
    .optional(),
});

const AccountQuery = z.strictObject({ site: z.string().max(LIMITS.idLength).optional() });

export function accountRoutes(admin: Hono<{ Bindings: Env }>): void {
  admin.get("/v1/accounts", query(AccountsQuery, "accounts take site=, min_score=, limit= and cursor="), async (c) => {
    return c.json(await listAccounts(c.env.LEAD_INDEX, c.req.valid("query")));
  });

  admin.get("/v1/accounts/:domain", query(AccountQuery, "an account takes site="), async (c) => {
    const domain = c.req.param("domain");
    if (!isDomain(domain)) throw new ApiError("invalid_request", `"${domain}" is not a domain: an account is named for a lower-case business email domain, e.g. acme.io`);
    const sites = loadConfig(c.env).sites;
    const site = c.req.valid("query").site ?? (sites.length === 1 ? sites[0]?.key : undefined);
    if (site === undefined) throw new ApiError("invalid_request", "name the account's site: site=");
    const account = await accountStub(c.env, site, domain).describe();
    if (!account) throw new ApiError("not_found", `no account "${domain}" on site "${site}" (free-mail domains never form one)`);
    return c.json(account);
  });
}
