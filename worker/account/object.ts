/**
 * The Account object: one per site and business email domain. Its leads' reports reach it
 * through the index queue: each lead's copy carries its report when it changed, and the queue's
 * consumer (index-queue.ts) hands each account all of a batch's reports in one call, off the
 * request path. It keeps each lead's newest stage, score and last activity, sums them, alerts
 * account.hot once per window (signed and retried through the same outbox and delivery as a
 * lead's alerts), and answers with its summary, which the consumer writes to the lead index
 * with the rest of the batch. Its deliveries reach the delivery log from its alarm.
 */
import { DurableObject } from "cloudflare:workers";
import type { AccountView } from "../../shared/api";
import { durationMs } from "../config";
import { type Env, deliveryEnv } from "../env";
import { toIndexedDelivery } from "../lead/index-sync";
import { migrate } from "../lead/migrations";
import { log, reason } from "../log";
import { loadConfig } from "../settings";
import { deliverDue } from "../webhooks/delivery";
import { enableEndpoint } from "../webhooks/endpoints";
import { slackEscape } from "../webhooks/payload";
import { OutboxStore } from "../webhooks/store";
import { dropAccountDeliveries, pushAccountDeliveries } from "./deliveries";
import { hotNow } from "./hot";
import { eraseAccount, pushAccount } from "./listing";
import { ACCOUNT_MIGRATIONS } from "./migrations";
import { accountHotBody, accountView as view, round1, withoutLead } from "./payload";
import type { AccountSummary, TimedReport } from "./report";
import { type AccountAlert, AccountStore } from "./store";

const ALARM_RETRY_MS = 30_000;

export class Account extends DurableObject<Env> {
  private readonly store: AccountStore;
  private readonly outbox: OutboxStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new AccountStore(ctx.storage.sql);
    this.outbox = new OutboxStore(ctx.storage.sql);
    ctx.blockConcurrencyWhile(async () => migrate(ctx.storage, ACCOUNT_MIGRATIONS));
  }

  /**
   * Its leads' reports from one batch of the index queue. The queue may bring a report late or
   * twice: per lead only a report newer than the one kept counts, and none made before the lead
   * left (erased). Queues account.hot when the account just turned hot. Answers the account's
   * summary for the listing (also when nothing changed: the batch may be a retry whose write
   * failed); null when it has no lead.
   */
  async reportMany(site: string, domain: string, reports: readonly TimedReport[]): Promise<AccountSummary | null> {
    const config = loadConfig(this.env);
    const now = Date.now();
    const alerted = this.ctx.storage.transactionSync(() => {
      let changed = false;
      for (const { report, at } of [...reports].sort((a, b) => a.at - b.at)) {
        if (!this.store.isNewer(report.id, at)) continue;
        this.store.create(site, domain);
        this.store.putMember({ lead_id: report.id, email: report.email, stage: report.stage, score: report.score, last_seen: report.last_seen, reported_at: at });
        changed = true;
      }
      const row = this.store.row();
      const hot = config.accounts?.hot;
      if (!changed || !row || !hot) return false;
      const members = this.store.members();
      const rule = { min_leads: hot.min_leads, min_score: hot.min_score, within: durationMs(hot.within) };
      if (!hotNow(rule, members, row.hot_at, now)) return false;
      const sequence = row.sequence + 1;
      const active = members.filter((m) => m.last_seen > now - rule.within);
      const alert = { sequence, at: now, account: view(site, domain, active), active: { leads: active.length, score: round1(active.reduce((s, m) => s + m.score, 0)) } };
      this.outbox.enqueueMessage(config.webhooks, { type: "account.hot", sequence }, (format) => accountHotBody(alert, format), now);
      this.store.putAlert(alert);
      this.store.setHot(now, sequence);
      return true;
    });
    if (alerted) await this.arm();
    return this.summary(now);
  }

  /**
   * Takes an erased lead out of the account, at once (erasure does not wait for a queue): `at`
   * is when the lead was erased, by its own clock, so a report it made before, still on its way,
   * is refused. No stored account.hot body names it afterwards: each is rendered again without
   * it, or deleted (with its row in the delivery log) when nothing is left to say. An account
   * left with no lead is erased whole now, its listing row and its deliveries with it; otherwise
   * the alarm writes its new listing row.
   */
  async remove(leadId: string, at: number): Promise<void> {
    const dropped = this.ctx.storage.transactionSync(() => {
      // A standard body names the lead by id; a Slack one by email, escaped for Slack, then for JSON.
      const needles = [leadId, ...this.store.emailsOf(leadId).flatMap((email) => [email, JSON.stringify(slackEscape(email)).slice(1, -1)])];
      this.store.addDeparted(leadId, at);
      if (this.store.removeMember(leadId)) this.store.setIndexDue(Date.now());
      return this.forgetInAlerts(leadId, needles);
    });
    const row = this.store.row();
    // Should this fail, a log row is left without its message: listed, but a redelivery answers 404.
    if (row) await dropAccountDeliveries(this.env.LEAD_INDEX, row.site, row.domain, dropped);
    if ((this.store.row()?.index_due ?? null) === null) return;
    // Also what makes the write below again, should it fail.
    await this.arm();
    if (this.store.members().length === 0) await this.pushListing();
  }

  /** The account with its leads; null when it has none. */
  describe(): AccountView | null {
    const row = this.store.row();
    const members = this.store.members();
    return row && members.length > 0 ? view(row.site, row.domain, members) : null;
  }

  /** Sends one of its deliveries again (after its retries ran out, or to an endpoint that said 410). */
  async redeliver(id: string): Promise<boolean> {
    const endpoint = this.outbox.endpointOf(id);
    if (endpoint === null) return false;
    // Enabled for every lead and account first, as a lead's redelivery does (lead/object.ts).
    await enableEndpoint(this.env.LEAD_INDEX, endpoint);
    const found = this.outbox.redeliver(id, Date.now());
    if (found) await this.arm();
    return found;
  }

  /** Webhook deliveries that are due, their changes to the delivery log, and a listing row owed after an erasure. */
  override async alarm(): Promise<void> {
    try {
      const row = this.store.row();
      if (!row) return;
      const config = loadConfig(this.env);
      await deliverDue(this.outbox, deliveryEnv(this.env), config.webhooks, Date.now(), `account:${row.domain}`);
      const since = Date.now();
      const changed = this.outbox.list({ updatedSince: row.deliveries_copied_at });
      await pushAccountDeliveries(this.env.LEAD_INDEX, row.site, row.domain, changed.map(toIndexedDelivery));
      this.store.setDeliveriesCopied(since);
      await this.pushListing();
      await this.arm();
    } catch (error) {
      log("error", "account.alarm_failed", { account: this.ctx.id.toString(), reason: reason(error), retry_in_ms: ALARM_RETRY_MS });
      await this.ctx.storage.setAlarm(Date.now() + ALARM_RETRY_MS);
    }
  }

  /**
   * Takes an erased lead out of every kept alert and every outbox body that names it (`needles`:
   * its id and emails). A body whose alert is not kept (enqueued before alerts were) or would
   * name no one is deleted; answers the ids deleted. Runs inside the erasure's transaction.
   */
  private forgetInAlerts(leadId: string, needles: readonly string[]): string[] {
    const after = new Map<number, AccountAlert | null>();
    const rewritten = (sequence: number) => {
      if (!after.has(sequence)) {
        const kept = this.store.alert(sequence);
        after.set(sequence, kept && withoutLead(kept, leadId));
      }
      return after.get(sequence) ?? null;
    };
    const dropped = this.outbox.rewriteNaming(needles, (message) => {
      const alert = message.type === "account.hot" ? rewritten(message.sequence) : null;
      return alert && accountHotBody(alert, message.format === "slack" ? "slack" : "standard");
    });
    for (const alert of this.store.alertsNaming(leadId)) {
      const next = rewritten(alert.sequence);
      if (next) this.store.putAlert(next);
      else this.store.dropAlert(alert.sequence);
    }
    return dropped;
  }

  /** The summary of the account's leads now; null when it has none. */
  private summary(now: number): AccountSummary | null {
    const account = this.describe();
    if (!account) return null;
    return { leads: account.leads.length, stages: account.stages, score: account.score, last_seen: Date.parse(account.last_seen), at: now };
  }

  /**
   * Writes the listing row owed after an erasure; with no lead left, erases the account's row,
   * its deliveries in the log and its storage (all but which leads left, and when).
   */
  private async pushListing(): Promise<void> {
    const row = this.store.row();
    if (!row || row.index_due === null) return;
    const now = Date.now();
    const summary = this.summary(now);
    if (summary) await pushAccount(this.env.LEAD_INDEX, [{ site: row.site, domain: row.domain, summary }]);
    else await eraseAccount(this.env.LEAD_INDEX, row.site, row.domain, now);
    if (summary === null) {
      if (this.store.members().length > 0) {
        // A lead reported while the erasure was on its way: its summary goes to the listing after it.
        this.store.setIndexDue(Date.now());
        await this.arm();
        return;
      }
      const departed = this.store.departed();
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
      this.outbox.forget();
      migrate(this.ctx.storage, ACCOUNT_MIGRATIONS);
      for (const d of departed) this.store.addDeparted(d.lead_id, d.at);
      return;
    }
    // A report that came in meanwhile: the consumer writes that summary, a newer one.
    if (this.store.row()?.index_due === row.index_due) this.store.setIndexDue(null);
  }

  /** Points the alarm at the earliest owed work: a delivery, or a listing row owed after an erasure. */
  private async arm(): Promise<void> {
    const owed = [this.outbox.nextDue(), this.store.row()?.index_due ?? null].filter((t): t is number => t !== null);
    if (owed.length > 0) await this.ctx.storage.setAlarm(Math.min(...owed));
  }
}
