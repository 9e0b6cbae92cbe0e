/**
 * POST /v1/preview's work: the most recently seen known leads from the lead index, each asked by
 * its own object how it would score and stand under a candidate config. Lead objects answer
 * read-only (lead/preview.ts), so a preview writes nothing, moves no stage and sends no alert.
 *
 * @example
 * const answer = await replay(env, parseConfig(body.config), { site: "pk_demo", limit: 1000 });
 */
import type { PreviewAnswer } from "../../shared/api";
import type { Config } from "../config";
import type { Env } from "../env";
import { leadById } from "../identity";
import { recentKnownLeads } from "../lead-index";
import type { LeadPreview } from "../lead/preview";
import { log, reason } from "../log";
import { siteScoring } from "../settings";
import { settleEach } from "../pool";
import { ruleOrder, summarize } from "./summary";

/** Lead objects asked at once: 1,000 leads in well under a second once warm, far below the runtime's limits. */
const CONCURRENCY = 20;

/** Replays up to `limit` known leads (of `site`, when given) under `candidate`. */
export async function replay(env: Env, candidate: Config, options: { site: string | undefined; limit: number }): Promise<PreviewAnswer> {
  // One more than asked tells whether there are more than `limit`.
  const found = await recentKnownLeads(env.LEAD_INDEX, options.site, options.limit + 1);
  const leads = found.slice(0, options.limit);
  const scoringOf = (site: string) => siteScoring(candidate, site).scoring;
  const outcomes = await settleEach(leads, CONCURRENCY, async (lead): Promise<LeadPreview | null> => {
    const stub = leadById(env, lead.id);
    // A lead erased a moment ago may still be listed: its object holds nothing and answers null.
    return stub ? await stub.preview(scoringOf(lead.site)) : null;
  });

  const replayed: LeadPreview[] = [];
  const failed: unknown[] = [];
  for (const outcome of outcomes) {
    if (outcome.status === "rejected") failed.push(outcome.reason);
    else if (outcome.value) replayed.push(outcome.value);
  }
  // One object that could not answer (being reset, say) should not sink the other 999: the
  // answer counts only the leads it replayed and says it is a sample; the log says how many were not.
  if (failed.length > 0) log("warn", "preview.leads_unreachable", { count: failed.length, reason: reason(failed[0]) });

  const scorings = new Set(leads.map((lead) => scoringOf(lead.site)));
  // With no lead to replay the candidate's rules are still listed, each having reached no one.
  if (scorings.size === 0) scorings.add(options.site === undefined ? candidate.scoring : scoringOf(options.site));
  return summarize(replayed, found.length > options.limit || failed.length > 0, ruleOrder([...scorings]));
}
