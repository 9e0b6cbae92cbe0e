/**
 * The Account object: one per site and business email domain. Its leads report to it from their
 * own alarms (lead/account-sync.ts), off the request path; it keeps each lead's latest stage,
 * score and last activity, sums them, alerts account.hot once per window (signed and retried
 * through the same outbox and delivery as a lead's alerts), and pushes its summary to the lead
 * index from its alarm.
 */
import { DurableObject } from "cloudflare:workers";
import type { AccountLead, AccountView, Stage } from "../../shared/api";
import { durationMs } from "../config";
import { type Env, deliveryEnv } from "../env";
import { migrate } from "../lead/migrations";
import { log, reason } from "../log";
import { loadConfig } from "../settings";
import { deliverDue } from "../webhooks/delivery";
import { OutboxStore } from "../webhooks/store";
import { hotNow } from "./hot";
import { pushAccount } from "./listing";
import { ACCOUNT_MIGRATIONS } from "./migrations";
import { accountHotBody } from "./payload";
import { AccountStore, type MemberRow } from "./store";

/** A lead as it reports to its account. */
export interface MemberReport {
  id: string;
  email: string;
  stage: Stage;
  score: number;
  /** ms */
  last_seen: number;
}

const ALARM_RETRY_MS = 30_000;
const iso = (ms: number) => new Date(ms).toISOString();
const round1 = (n: number) => Math.round(n * 10) / 10;

/** The account's numbers and leads, from its members. */
function view(site: string, domain: string, members: readonly MemberRow[]): AccountView {
  const stages: Partial<Record<Stage, number>> = {};
  for (const m of members) stages[m.stage] = (stages[m.stage] ?? 0) + 1;
  return {
    site,
    domain,
    stages,
    score: round1(members.reduce((sum, m) => sum + m.score, 0)),
    last_seen: iso(members.reduce((max, m) => Math.max(max, m.last_seen), 0)),
    leads: members.map((m): AccountLead => ({ id: m.lead_id, email: m.email, stage: m.stage, score: m.score, last_seen: iso(m.last_seen) })),
  };
}

export class Account extends DurableObject<Env> {
  private readonly store: AccountStore;
  private readonly outbox: OutboxStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new AccountStore(ctx.storage.sql);
    this.outbox = new OutboxStore(ctx.storage.sql);
    ctx.blockConcurrencyWhile(async () => migrate(ctx.storage, ACCOUNT_MIGRATIONS));
  }

  /** A lead's latest numbers; queues account.hot when the account just turned hot. */
  async report(site: string, domain: string, lead: MemberReport): Promise<void> {
    const config = loadConfig(this.env);
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.store.create(site, domain);
      this.store.putMember({ lead_id: lead.id, email: lead.email, stage: lead.stage, score: lead.score, last_seen: lead.last_seen });
      const row = this.store.row();
      const hot = config.accounts?.hot;
      const members = this.store.members();
      if (row && hot) {
        const rule = { min_leads: hot.min_leads, min_score: hot.min_score, within: durationMs(hot.within) };
        if (hotNow(rule, members, row.hot_at, now)) {
          const sequence = row.sequence + 1;
          const active = members.filter((m) => m.last_seen > now - rule.within);
          const alert = { sequence, at: now, account: view(site, domain, active), active: { leads: active.length, score: round1(active.reduce((s, m) => s + m.score, 0)) } };
          this.outbox.enqueueMessage(config.webhooks, { type: "account.hot", sequence }, (format) => accountHotBody(alert, format), now);
          this.store.setHot(now, sequence);
        }
      }
      this.store.setIndexDue(now);
    });
    await this.arm();
  }

  /** Takes an erased lead out of the account; an account left with no lead is erased whole. */
  async remove(leadId: string): Promise<void> {
    const row = this.store.row();
    if (!row || !this.store.removeMember(leadId)) return;
    if (this.store.members().length === 0) {
      // Nothing about the account is kept; its index row goes now rather than from an alarm.
      await pushAccount(this.env.LEAD_INDEX, { site: row.site, domain: row.domain, summary: null }, Date.now());
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
      migrate(this.ctx.storage, ACCOUNT_MIGRATIONS);
      return;
    }
    this.store.setIndexDue(Date.now());
    await this.arm();
  }

  /** The account with its leads; null when it has none. */
  describe(): AccountView | null {
    const row = this.store.row();
    const members = this.store.members();
    return row && members.length > 0 ? view(row.site, row.domain, members) : null;
  }

  /** Webhook deliveries that are due, and the index's copy of the summary. */
  override async alarm(): Promise<void> {
    try {
      const row = this.store.row();
      if (!row) return;
      const config = loadConfig(this.env);
      await deliverDue(this.outbox, deliveryEnv(this.env), config.webhooks, Date.now(), `account:${row.domain}`);
      if (row.index_due !== null && row.index_due <= Date.now()) {
        const account = this.describe();
        const summary = account && {
          leads: account.leads.length,
          stages: account.stages,
          score: account.score,
          last_seen: Date.parse(account.last_seen),
        };
        await pushAccount(this.env.LEAD_INDEX, { site: row.site, domain: row.domain, summary }, Date.now());
        // A report that came in while the copy was on its way keeps the account owed.
        if (this.store.row()?.index_due === row.index_due) this.store.setIndexDue(null);
      }
      await this.arm();
    } catch (error) {
      log("error", "account.alarm_failed", { account: this.ctx.id.toString(), reason: reason(error), retry_in_ms: ALARM_RETRY_MS });
      await this.ctx.storage.setAlarm(Date.now() + ALARM_RETRY_MS);
    }
  }

  /** Points the alarm at the earliest owed work: a delivery or the index's copy. */
  private async arm(): Promise<void> {
    const owed = [this.outbox.nextDue(), this.store.row()?.index_due ?? null].filter((t): t is number => t !== null);
    if (owed.length > 0) await this.ctx.storage.setAlarm(Math.min(...owed));
  }
}
