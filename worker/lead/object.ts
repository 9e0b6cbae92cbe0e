/**
 * The Lead Durable Object: all state of one lead. This class only routes its RPC methods to the
 * modules beside it and owns the one alarm; storage is in store.ts (and the outbox's in
 * webhooks/store.ts), decisions are pure functions in scoring/.
 *
 * An anonymous visitor lives in the object named for its site and visitor id; once it identifies,
 * it hands its history to the known lead's object (named for the email) and forwards to it.
 *
 * Erasure wins every race with live traffic: the known lead marks itself erasing first (it then
 * refuses hand-overs and forwarded events), erases its visitors' objects, then itself. An object
 * named for an email only ever holds that known lead: a forwarded batch that finds no known lead
 * there is refused (`Gone`), and the visitor's object starts over as a new anonymous visitor.
 */
import { DurableObject } from "cloudflare:workers";
import type { LeadExport, LeadView } from "../../shared/api";
import { type Event, mergeTraits, normalizeEmail } from "../../shared/wire";
import { inhumanTiming } from "../bot";
import type { Config, Limits, ScoringConfig } from "../config";
import { type Env, deliveryEnv } from "../env";
import { emailLead, visitorLead } from "../identity";
import { type FeedbackOutcome, feedbackMove, scoreMoves } from "../scoring/lifecycle";
import type { Stage } from "../config";
import { log, reason } from "../log";
import { loadConfig, rulesVersion, scoringVersion, siteScoring } from "../settings";
import { deliverDue } from "../webhooks/delivery";
import { enableEndpoint } from "../webhooks/endpoints";
import { RULES_CHANGED } from "../webhooks/payload";
import { OutboxStore } from "../webhooks/store";
import { attributeAll, attributeNew, siteOrigins } from "./attribution";
import { leaveAccount } from "./account-sync";
import type { LeadContext } from "./context";
import { handOver, handOverOwed } from "./handover";
import { type IndexMessage, nextRevival, oweLostCopy, pushIndex, revivalsSchema, touchIndex } from "./index-sync";
import { migrate } from "./migrations";
import { type LeadPreview, previewLead } from "./preview";
import { missSlaIfDue, startSqlClock, stopSqlClock } from "./sla";
import { LeadScore } from "./score";
import { type LeadRow, LeadStore, type StoredEvent, type Trust, fromWire } from "./store";
import { applyMoves } from "./transitions";
import { toEventView, toRecord, toSnapshot, toTransitionView } from "./view";

export interface IngestRequest {
  site: string;
  visitor: string;
  events: Event[];
  /** A reason when the whole request looked like a bot (user agent, webdriver). */
  bot: string | null;
  /** Origin of the collector as the client reached it, for links in alerts. */
  collectorUrl: string;
  /** Emails (normalized) that identifies in this batch proved (identity-proof.ts); none when absent. */
  proven?: string[];
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  lead: string;
}

export interface AbsorbRequest {
  site: string;
  email: string;
  /** The anonymous id handing over; null for a server-side identify with no visitor. */
  visitor: string | null;
  /** The email was proven (a verified identify, or the site's server): its traits are trusted. */
  verified: boolean;
  traits: Record<string, unknown>;
  events: StoredEvent[];
  collectorUrl: string | null;
}

/** A visitor's object that handed over answers reads with where its lead is now. */
export type Forwarded = { forward_to: string };

/** The known lead a visitor forwards to is erased (or being erased): the visitor starts over. */
export type Gone = { gone: true };
const GONE: Gone = { gone: true };

/** Storage key of the erasure mark; deleteAll removes it with everything else. */
const ERASING = "erasing";
/** Storage key of the lead's revivals of lost index copies (index-sync.ts `nextRevival`). */
const REVIVALS = "index_revivals";
/** A crash in the middle of an erasure is finished by the alarm this long after it began. */
const ERASE_RETRY_MS = 60_000;

export type FeedbackResult = { ok: true; from: Stage; to: Stage } | { ok: false; message: string };

/**
 * What `rescoreIfStale` did: nothing to do (`skipped`: no lead here, a visitor that handed over,
 * or a won or lost lead), already scored by the rules in force (`current`), rescored with or
 * without a stage move, or nothing yet because this object runs with other rules than the
 * sweep's (`behind`: a deploy still reaching it).
 */
export type RescoreOutcome = "skipped" | "current" | "rescored" | "moved" | "behind";

/** Stages no score can move a lead out of: the sweep leaves them alone. */
const SETTLED: readonly Stage[] = ["won", "lost"];

const TIMELINE_EVENTS = 500;
const DAY_MS = 86_400_000;
/** The bot reason of events from a device beyond the day's new-device limit: stored, never scored. */
const OVER_DEVICE_LIMIT = "devices";
const HOUR_MS = 3_600_000;
/** The bot reason of events beyond a lead's hourly budget: stored, never scored. */
const FLOOD = "flood";
const MERGE_RETRY_MS = 2_000;
const ALARM_RETRY_MS = 30_000;
/** The cause of a rescore after another device's history joined this lead. */
const MERGED = "merge";
/**
 * A lead that received a batch this recently is busy: its next batch waits a turn to share a write
 * with whatever else arrives (group commit, see `Lead.ingest`). Batches to one lead under load come
 * well under a millisecond apart; a visitor's own batches, seconds apart.
 */
const BUSY_WITHIN_MS = 10;
/** `alarmAt` of a new instance until storage answers what the alarm is. */
const READING_ALARM = "reading";

const iso = (ms: number) => new Date(ms).toISOString();

export class Lead extends DurableObject<Env> {
  private readonly store: LeadStore;
  private readonly outbox: OutboxStore;
  private readonly score: LeadScore;
  /** What the modules beside this class work with. */
  private readonly lead: LeadContext;
  /** The alarm as this instance knows it (null: none is set); undefined when it does not know. */
  private alarmAt: number | null | undefined | typeof READING_ALARM = READING_ALARM;
  /** Batches that arrived since the last group commit (see `ingest`). */
  private group: { request: IngestRequest; resolve: (result: IngestResult) => void; reject: (error: unknown) => void }[] = [];
  /** When the last batch arrived (ms): a lead that had one this recently is busy (see `ingest`). */
  private lastArrival = Number.NEGATIVE_INFINITY;
  /** This known lead is being erased: it takes in nothing more. */
  private erasing = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new LeadStore(ctx.storage.sql);
    this.outbox = new OutboxStore(ctx.storage.sql);
    this.score = new LeadScore(this.store);
    this.lead = {
      env,
      store: this.store,
      outbox: this.outbox,
      score: this.score,
      transaction: (fn) => this.transaction(fn),
      arm: () => this.arm(),
    };
    // All synchronous, so no request runs before it: a wake does not wait for storage round trips
    // (blocking the object on two reads cost every lead woken from eviction a quarter millisecond).
    migrate(ctx.storage);
    this.erasing = ctx.storage.kv.get(ERASING) !== undefined;
    // Until the alarm is known, `arm` sets it (one write more, never a wrong alarm); an answer
    // that comes after anything else set or forgot the alarm is stale and left unused.
    ctx.storage.getAlarm().then(
      (at) => {
        if (this.alarmAt === READING_ALARM) this.alarmAt = at;
      },
      // Not known, then: `arm` sets the alarm.
      () => undefined,
    );
  }

  private transaction<T>(fn: () => T): T {
    // A nested rollback would forget what the outer block changed but has not written yet.
    if (this.store.batching) throw new Error("Lead transactions do not nest");
    try {
      // The lead row's changes in the block go out as one UPDATE (LeadStore.batchWrites).
      return this.ctx.storage.transactionSync(() => this.store.batchWrites(fn));
    } catch (error) {
      // Rolled back: what the store and the score fold remember from inside it may never have
      // been (and a rolled-back event's seq is given out again).
      this.store.forget();
      this.outbox.forget();
      this.score.reset();
      // An alarm set inside it may be rolled back too: the next arm sets it again.
      this.alarmAt = undefined;
      throw error;
    }
  }

  /**
   * Stores a batch from the snippet (or a server-side identify) and acts on it. Group commit: the
   * batches that reach a busy lead before the next turn of the event loop are stored in one turn,
   * with no await between them, so the runtime commits them as one write; each caller still gets
   * its own answer, and the output gate holds every answer until that write is durable. Each
   * batch keeps its own transaction (and dedup sees the batches before it in the group), so a
   * batch that fails takes nothing else with it, and one that identifies hands over after its
   * own transaction, as it would alone.
   *
   * A batch that reaches a quiet lead (no batch in the last BUSY_WITHIN_MS, none waiting) is
   * stored at once, as a group of one: nothing is coming to share its write, and waiting a turn
   * for company cost every such batch a timer and one more entry into the object.
   */
  ingest(request: IngestRequest): Promise<IngestResult> {
    const now = Date.now();
    const quiet = this.group.length === 0 && now - this.lastArrival >= BUSY_WITHIN_MS;
    this.lastArrival = now;
    if (quiet) return this.ingestOne(request);
    return new Promise((resolve, reject) => {
      this.group.push({ request, resolve, reject });
      if (this.group.length === 1) setTimeout(() => this.commitGroup(), 0);
    });
  }

  private commitGroup(): void {
    const group = this.group;
    this.group = [];
    // One after the other with nothing awaited in between: each runs up to its first await.
    for (const { request, resolve, reject } of group) this.ingestOne(request).then(resolve, reject);
  }

  private async ingestOne(request: IngestRequest): Promise<IngestResult> {
    const config = loadConfig(this.env);
    const existing = this.store.row();
    const identifiesAs = lastIdentifiedEmail(request.events, request.bot);
    if (existing?.forward_to && !(identifiesAs && identifiesAs !== existing.email)) {
      // Forwarding: this object only remembers when the visitor was last seen.
      this.store.touch(clock(existing));
      if (!existing.email) throw new Error("a forwarding lead always has the email it forwards to");
      const answer = await emailLead(this.env, existing.site, existing.email).ingestForwarded(request);
      if (!("gone" in answer)) return answer;
      // The known lead was erased: this device forgets it and goes on as a new anonymous visitor.
      if (this.store.row()?.forward_to === existing.forward_to) await this.wipe();
      return this.ingestOne(request);
    }

    const now = clock(existing);
    // Events, profile, score, stage changes and their alerts: all stored, or none.
    const { row, accepted } = this.transaction(() => {
      const row = existing ?? this.store.create({ id: this.ctx.id.toString(), kind: "visitor", site: request.site, visitor: request.visitor, now });
      // A visitor now identifying as someone else (a shared computer) starts a new hand-over.
      if (row.forward_to && identifiesAs) this.store.setForward(null);
      const proven = request.proven ?? [];
      if (row.kind === "visitor" && identifiesAs) {
        this.store.setVerified(proven.includes(identifiesAs) || (row.email === identifiesAs && row.verified === 1));
      } else if (row.kind === "email" && row.email !== null && proven.includes(row.email)) {
        // A device that proves the email later is trusted from then on.
        this.store.addVisitor(request.visitor, now, null);
        this.store.setVerified(true);
      }
      // In a known lead, a forwarding device is trusted as far as it was when it joined.
      const trust = row.kind === "email" ? (this.store.visitorTrust(request.visitor) ?? null) : null;
      // Inhuman timing is about page views: an identify or a demo request in the same batch still counts.
      const timingBot = inhumanTiming(request.events) ? "timing" : null;
      const budget = siteLimits(config, row.site).events_per_lead_per_hour;
      let lastHour = this.store.countEventsSince(now - HOUR_MS, budget);
      // Beyond the hourly budget (a script, or many ids joined to one lead) events no longer score.
      const flag = (event: Event, over: boolean) =>
        withTrust(fromWire(event, request.visitor, now, over ? FLOOD : (request.bot ?? (event.type === "page_view" ? timingBot : null))), trust);
      let stored: readonly StoredEvent[];
      if (lastHour >= budget || lastHour + request.events.length < budget) {
        // The whole batch on one side of the budget: every event's flag is known before storing.
        stored = this.store.insertEvents(request.events.map((event) => flag(event, lastHour >= budget)));
      } else {
        // The batch crosses the budget: only stored events count, so one at a time.
        const kept: StoredEvent[] = [];
        for (const event of request.events) {
          const fresh = flag(event, lastHour >= budget);
          if (this.store.insertEvent(fresh)) {
            kept.push(fresh);
            lastHour++;
          }
        }
        stored = kept;
      }
      const accepted = stored.length;
      attributeNew(this.store, siteOrigins(config, row.site), stored);
      this.store.updateProfile({
        lastSeen: now,
        collectorUrl: request.collectorUrl,
        email: row.kind === "visitor" ? identifiesAs : null,
        traits: traitsAfter(trust, JSON.parse(row.traits), identifyTraits(request.events, request.bot)),
      });
      const updated = this.store.row() as LeadRow;
      if (!handOverOwed(updated)) this.rescore(config, now, "events");
      return { row: updated, accepted };
    });

    const duplicates = request.events.length - accepted;
    if (handOverOwed(row)) {
      const target = await handOver(this.lead);
      return { accepted, duplicates, lead: target ?? row.id };
    }
    return { accepted, duplicates, lead: row.id };
  }

  /**
   * A batch a visitor's object sent on after its hand-over. Stored only while this object holds
   * the known lead: with none here (erased, or erasing) it answers `Gone` and stores nothing, so
   * an object named for an email never becomes an anonymous visitor's.
   */
  async ingestForwarded(request: IngestRequest): Promise<IngestResult | Gone> {
    if (this.erasing || this.store.row()?.kind !== "email") return GONE;
    // Not grouped: the check above and the write must share one turn, or an erasure could start between them.
    return this.ingestOne(request);
  }

  /**
   * Takes in the history of an anonymous visitor who identified as this lead's email. Dedup by
   * event id makes a repeated hand-over harmless, so the visitor's object may retry freely.
   */
  absorb(request: AbsorbRequest): string {
    // Thrown, not answered: the visitor's object keeps its history and its alarm retries the
    // hand-over, which then founds a new known lead once the erasure is done.
    if (this.erasing) throw new Error("this lead is being erased; hand over again later");
    const config = loadConfig(this.env);
    const existing = this.store.row();
    const now = clock(existing);
    return this.transaction(() => {
      const row =
        existing ?? this.store.create({ id: this.ctx.id.toString(), kind: "email", site: request.site, email: normalizeEmail(request.email), now });
      // Anyone can type a known lead's email: a device joining an existing lead without proof
      // only claims it, and beyond the day's new-device limit its events no longer score.
      let trust: Trust = null;
      if (existing && request.visitor && !request.verified) {
        const joinedToday = this.store.visitorsSince(now - DAY_MS);
        const limit = siteLimits(config, row.site).new_devices_per_lead_per_day;
        trust = this.store.visitorTrust(request.visitor) ?? (joinedToday >= limit ? "over_limit" : "claimed");
      }
      for (const event of request.events) this.store.insertEvent(withTrust(event, trust));
      if (request.visitor) this.store.addVisitor(request.visitor, now, trust);
      if (request.verified) this.store.setVerified(true);
      this.store.updateAfterMerge({
        firstSeen: request.events.reduce((min, e) => Math.min(min, e.received_at), row.first_seen),
        lastSeen: now,
        collectorUrl: request.collectorUrl,
        traits: traitsAfter(trust, JSON.parse(row.traits), request.traits),
      });
      // Merged events are older than what this object folded so far: fold the history again.
      attributeAll(this.store, siteOrigins(config, row.site));
      this.score.refold();
      this.rescore(config, now, MERGED);
      return row.id;
    });
  }

  /** The lead, its score explanation, its timeline, stage log and webhook deliveries. */
  describe(now = Date.now()): LeadView | Forwarded | null {
    const row = this.store.row();
    if (!row) return null;
    if (row.forward_to) return { forward_to: row.forward_to };
    const { scoring } = siteScoring(loadConfig(this.env), row.site);
    const result = this.score.current(row, scoring, now);
    return {
      lead: toRecord(toSnapshot(row, result), {
        site: row.site,
        visitors: row.visitor ? [row.visitor] : this.store.absorbedVisitors(),
        bot: this.store.allEventsFlagged(),
        events_total: this.store.eventCount(),
      }),
      reasons: result.reasons,
      events: this.store.latestEvents(TIMELINE_EVENTS).map(toEventView),
      transitions: this.store.transitions().map(toTransitionView),
      score_history: this.score.history(row, scoring, TIMELINE_EVENTS).map((p) => ({ at: iso(p.at), score: p.score })),
      deliveries: this.outbox.list(),
    };
  }

  /** Everything stored about the lead, for a privacy access request. */
  exportAll(): LeadExport | Forwarded | null {
    const view = this.describe();
    if (!view || "forward_to" in view) return view;
    return {
      ...view,
      events: this.store.history().toArray().map(toEventView),
      deliveries: this.outbox.list({ body: true }),
      feedback: this.store.feedback().map((f) => ({ ...f, at: iso(f.at) })),
      exported_at: new Date().toISOString(),
    };
  }

  /**
   * The lead under the rules in force and under `candidate` (what-if preview). Read-only:
   * nothing is stored, no stage moves, no alert is queued and the alarm is left as it is.
   */
  preview(candidate: ScoringConfig): LeadPreview | null {
    return previewLead(this.lead, candidate);
  }

  /**
   * Sales feedback: the only way a lead moves back (rejected → recycled). Written, with its
   * alert, in one synchronous block like every other stage change.
   */
  feedback(outcome: FeedbackOutcome, reason: string | null, amount: number | null = null): FeedbackResult {
    const config = loadConfig(this.env);
    const row = this.store.row();
    if (!row || row.forward_to) return { ok: false, message: "this object holds no lead" };
    const move = feedbackMove(row.stage, outcome);
    if (!move.ok) return move;
    const now = clock(row);
    const result = this.score.current(row, siteScoring(config, row.site).scoring, now);
    this.transaction(() => {
      // With what the feedback judged: when the lead became SQL, and the rules behind its score.
      this.store.addFeedback({ outcome, reason, amount, at: now, sql_at: row.sql_at, rules: JSON.stringify(result.reasons) });
      if (move.to === "recycled") this.store.setRecycledAt(now);
      stopSqlClock(this.lead, row, move.to === "recycled");
      applyMoves(this.lead, config, row, [move.to], result, now, `feedback: ${outcome}${reason ? ` (${reason})` : ""}`);
      touchIndex(this.lead, now, true);
    });
    return { ok: true, from: row.stage, to: move.to };
  }

  /**
   * Rescores the lead from its history when it was scored by other rules than those in force
   * (`sweepVersion`, the scoringVersion the sweep runs for, must be this object's too),
   * as if it had just been touched: it moves (forward only) and alerts with the cause
   * `rules_changed`, and the index gets a fresh copy. The rescoring sweep calls it for every
   * lead after a rules change. Synchronous, so a batch cannot slip in between the check and
   * the write: whichever comes first rescores, the other finds the lead current and does
   * nothing, so a move never alerts twice.
   */
  rescoreIfStale(sweepVersion: string): RescoreOutcome {
    const row = this.store.row();
    if (!row || row.forward_to || handOverOwed(row) || SETTLED.includes(row.stage)) return "skipped";
    const config = loadConfig(this.env);
    if (scoringVersion(config) !== sweepVersion) return "behind";
    if (row.rules_version === rulesVersion(siteScoring(config, row.site).scoring)) return "current";
    return this.transaction(() => {
      this.rescore(config, clock(row), RULES_CHANGED);
      return this.store.row()?.stage === row.stage ? "rescored" : "moved";
    });
  }

  /** Sends a delivery again (after its retries ran out, or to an endpoint that said 410). */
  async redeliver(id: string): Promise<boolean> {
    const endpoint = this.outbox.endpointOf(id);
    if (endpoint === null) return false;
    // Enabled for every lead first: if the index is down this throws with nothing changed, and
    // the operator retries; the other order would let an alarm in between disable it again.
    await enableEndpoint(this.env.LEAD_INDEX, endpoint);
    const found = this.outbox.redeliver(id, Date.now());
    if (found) touchIndex(this.lead, Date.now(), true);
    return found;
  }

  /**
   * A copy of this lead the index queue gave up on (its dead-letter queue): the lead owes the
   * index, and its account, a fresh copy with what that one carried, so a quiet lead's row is not
   * left stale. Nothing to do for a lead erased since, or being erased (its copy would only move
   * the erasure's retry alarm). A copy lost again and again is sent later each time, and after a
   * few revivals in a day the lead gives up on it (`index.copy_abandoned`) until they age out.
   */
  async copyLost(lost: IndexMessage): Promise<void> {
    const row = this.store.row();
    if (this.erasing || !row) return;
    const { revivals, delayMs, abandon } = nextRevival(revivalsSchema.optional().parse(await this.ctx.storage.get(REVIVALS)), Date.now());
    if (delayMs === null) {
      if (abandon) log("error", "index.copy_abandoned", { lead: row.id, site: row.site, revivals: revivals.at.length });
    } else {
      oweLostCopy(this.lead, lost, delayMs);
    }
    await this.ctx.storage.put(REVIVALS, revivals);
  }

  /**
   * Erases the lead: every row, the pending alerts and the alarm; for a known lead, first the
   * objects of the anonymous ids that handed over to it. Returns those ids (the ones erased).
   *
   * In this order, so no event in flight can bring any of it back: the erasing mark (from here
   * on this object refuses hand-overs and forwarded batches), then the visitors' objects (a
   * device sending now starts over as a new anonymous visitor), then this object. Safe to
   * repeat; a crash in between is finished by the alarm.
   */
  async erase(): Promise<{ site: string; visitors: string[] } | null> {
    const row = this.store.row();
    if (!row) return null;
    const visitors: string[] = [];
    if (row.kind === "email") {
      this.erasing = true;
      await this.ctx.storage.put(ERASING, Date.now());
      this.alarmAt = Date.now() + ERASE_RETRY_MS;
      await this.ctx.storage.setAlarm(this.alarmAt);
      for (const visitor of this.store.absorbedVisitors()) {
        if (await visitorLead(this.env, row.site, visitor).eraseVisitor(row.id, row.email)) visitors.push(visitor);
      }
    } else if (row.visitor) {
      visitors.push(row.visitor);
    }
    await leaveAccount(this.lead, row);
    await this.wipe();
    return { site: row.site, visitors };
  }

  /**
   * Erases this visitor's object if it belongs to the known lead `lead` (it forwards there, or
   * owes it a hand-over of `email`). One that has since identified as someone else (a shared
   * computer) belongs to that lead now and is kept. True when it was erased.
   */
  async eraseVisitor(lead: string, email: string | null): Promise<boolean> {
    const row = this.store.row();
    if (!row || row.kind !== "visitor") return false;
    if (row.forward_to !== lead && !(row.email !== null && row.email === email && handOverOwed(row))) return false;
    await this.wipe();
    return true;
  }

  /** Drops everything this object stores; it stays usable (a visitor may come back). */
  private async wipe(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.store.forget();
    this.outbox.forget();
    this.score.reset();
    this.alarmAt = null;
    this.erasing = false;
    // deleteAll drops the schema too; the object must stay usable should the visitor return.
    migrate(this.ctx.storage);
  }

  /**
   * The one alarm does all owed work: a hand-over that failed, an SLA alert (sla.ts), webhook
   * deliveries that are due, and the lead index's copy (with its account's report). Then it points
   * itself at the next owed moment.
   */
  override async alarm(): Promise<void> {
    // This run consumed the alarm: none is set until this run (or anything during it) sets one.
    this.alarmAt = null;
    // An erasure cut short (a crash, a lost request) is finished; nothing else is owed then.
    if (this.erasing) {
      await this.erase();
      return;
    }
    try {
      const config = loadConfig(this.env);
      const row = this.store.row();
      if (!row) return;
      if (handOverOwed(row)) await handOver(this.lead);
      missSlaIfDue(this.lead, config, Date.now());
      await deliverDue(this.outbox, deliveryEnv(this.env), config.webhooks, Date.now(), row.id);
      // The copy carries the account's report too: accounts are fed in the index's batches.
      await pushIndex(this.lead);
      this.arm();
    } catch (error) {
      // Retrying here, not by throwing: the runtime gives up on a throwing alarm after a few
      // tries, and the work it owes (alerts, the index copy) must not be dropped with it.
      log("error", "lead.alarm_failed", { lead: this.ctx.id.toString(), reason: reason(error), retry_in_ms: ALARM_RETRY_MS });
      try {
        this.alarmAt = Date.now() + ALARM_RETRY_MS;
        await this.ctx.storage.setAlarm(this.alarmAt);
      } catch {
        // Storage itself is gone (the object is being reset): the runtime's own alarm retry takes over.
        throw error;
      }
    }
  }

  /**
   * Points the alarm at the earliest owed work. Synchronous, so it can close the same block
   * that created the work. It only ever moves the alarm earlier: an alarm that goes off before
   * anything is due finds nothing to do and points itself at the next owed moment, while moving
   * it later would cost a write to the alarm schedule per change.
   */
  private arm(): void {
    const row = this.store.row();
    // An erasure owns the alarm (its retry) until it is done.
    if (!row || this.erasing) return;
    const owed = [this.outbox.nextDue(), row.sla_due, row.index_due];
    if (handOverOwed(row)) owed.push(Date.now() + MERGE_RETRY_MS);
    const at = owed.reduce<number | null>((min, t) => (t === null ? min : min === null ? t : Math.min(min, t)), null);
    if (at === null || (typeof this.alarmAt === "number" && this.alarmAt <= at)) return;
    void this.ctx.storage.setAlarm(at);
    this.alarmAt = at;
  }

  /**
   * Scores the lead now and moves its stage forward, in the caller's transaction. A rejected
   * lead re-qualifies on what it does after the rejection, not on what sales saw.
   */
  private rescore(config: Config, now: number, cause: string): void {
    const row = this.store.row();
    if (!row) return;
    const { scoring } = siteScoring(config, row.site);
    const result = this.score.current(row, scoring, now);
    const qualifying = row.stage === "recycled" && row.recycled_at !== null ? this.score.since(row, scoring, row.recycled_at, now) : result;
    this.store.setScore(result, this.score.version, this.score.snapshot(result.score));
    const moves = scoreMoves(scoring.stages, row, qualifying);
    applyMoves(this.lead, config, row, moves, result, now, cause);
    if (moves.includes("sql")) startSqlClock(this.lead, scoring, now);
    // A stage change reaches the listing and the funnel at once, and so does a rescore after a
    // rules change (the listing shows the new rules once the sweep is done) or a merge (the
    // absorbed device's own row has just left the listing: its points must not vanish for half a
    // minute); a score that only moved with new events waits for the lead's next copy (index-sync.ts).
    touchIndex(this.lead, now, moves.length > 0 || cause === RULES_CHANGED || cause === MERGED);
  }
}

/** Server receive time, never running backwards for this lead: it orders and windows events. */
const clock = (row: LeadRow | null): number => Math.max(Date.now(), row?.last_seen ?? 0);

/** The email of the last identify a human sent in this batch, normalized. */
function lastIdentifiedEmail(events: readonly Event[], bot: string | null): string | null {
  if (bot) return null;
  const identifies = events.filter((e) => e.type === "identify");
  const last = identifies[identifies.length - 1];
  return last?.type === "identify" ? normalizeEmail(last.props.email) : null;
}

/** The site's per-lead limits (their defaults for a site no longer in the config). */
const siteLimits = (config: Config, site: string): Limits =>
  config.sites.find((s) => s.key === site)?.limits ?? { new_devices_per_lead_per_day: 5, events_per_lead_per_hour: 1000 };

/** An event as a device trusted this far leaves it: claimed, and over the limit never scored. */
function withTrust(event: StoredEvent, trust: Trust): StoredEvent {
  if (trust === null) return event;
  return { ...event, claimed: 1, bot: trust === "over_limit" ? (event.bot ?? OVER_DEVICE_LIMIT) : event.bot };
}

/** The lead's traits after an identify: a proven one overwrites, a claim only adds what is missing. */
function traitsAfter(trust: Trust, current: Record<string, unknown>, given: Record<string, unknown>): Record<string, unknown> {
  if (trust === "over_limit") return current;
  if (trust === "claimed") return mergeTraits(current, Object.fromEntries(Object.entries(given).filter(([key]) => !(key in current))));
  return mergeTraits(current, given);
}

/** Traits given by identify events, later ones winning. */
function identifyTraits(events: readonly Event[], bot: string | null): Record<string, unknown> {
  if (bot) return {};
  return Object.assign({}, ...events.map((e) => (e.type === "identify" ? (e.props.traits ?? {}) : {})));
}
