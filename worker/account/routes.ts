/**
 * The accounts API (admin): accounts by summed score from the lead index, and one account with
 * its leads straight from its object.
 *
 * @example
 * curl -H "Authorization: Bearer $ADMIN_TOKEN" 'http://127.0.0.1:8787/v1/accounts?site=pk_demo&min_score=100'
 * curl -H "Authorization: Bearer $ADMIN_TOKEN" 'http://127.0.0.1:8787/v1/accounts/acme.io?site=pk_demo'
 */
import type { Hono } from "hono";
import type { AccountDetail, LeadRecord, LeadView } from "../../shared/api";
import * as z from "zod";
import { LIMITS } from "../../shared/wire";
import type { Env } from "../env";
import { ApiError } from "../errors";
import { query } from "../http/validate";
import { leadById } from "../identity";
import { Cursor } from "../paging";
import { loadConfig } from "../settings";
import { isDomain } from "./domain";
import { listAccounts } from "./listing";
import { accountStub } from "./stub";

const AccountsQuery = z.strictObject({
  site: z.string().max(LIMITS.idLength).optional(),
  min_score: z.coerce.number().finite().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: Cursor.optional(),
});

const AccountQuery = z.strictObject({ site: z.string().max(LIMITS.idLength).optional() });

/** A lead as the admin API shows it, from its own object; null once it is gone (erased meanwhile). */
async function leadRecord(env: Env, id: string): Promise<LeadRecord | null> {
  const stub = leadById(env, id);
  if (!stub) return null;
  // The RPC result's type, as Lead.describe declares it (the stub's wrapped type does not narrow).
  const view = (await stub.describe()) as LeadView | { forward_to: string } | null;
  if (!view || "forward_to" in view) return null;
  return view.lead;
}

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
    // Each lead read from its own object: current to its last event, and the whole snapshot
    // (traits, fit, source...), where the account keeps only what its numbers need.
    const leads = (await Promise.all(account.leads.map((member) => leadRecord(c.env, member.id)))).filter((lead) => lead !== null);
    const detail: AccountDetail = { ...account, leads };
    return c.json(detail);
  });
}
