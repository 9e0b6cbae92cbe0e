/**
 * The Lead Durable Object: all state of one lead. It stores events once (dedup by id), scores
 * them with the pure engine, moves the stage forward, and writes every stage change together
 * with its webhook outbox rows, so no alert is lost and none is sent for a change not stored.
 *
 * An anonymous visitor's object, once the visitor identifies, hands its history to the known
 * lead's object (named for the email) and from then on forwards to it.
 */
import { DurableObject } from "cloudflare:workers";
import { type Event, mergeTraits, normalizeEmail } from "../shared/wire";
import { inhumanTiming } from "./bot";
import { type Config, type ScoringConfig, type SiteConfig, type Stage, scoringFor } from "./config";
import type { Env } from "./env";
import { emailLead } from "./identity";
import {
  EVENT_COLUMNS,
  type EventRow,
  LEAD_COLUMNS,
  type LeadRow,
  type StoredEvent,
  fromWire,
  migrate,
  toPublicEvent,
  toScored,
} from "./lead-store";
import {
  type CompiledScoring,
  type EngagementState,
  type ScoreResult,
  addEvent,
  compileScoring,
  emptyEngagement,
  rescore as rescoreEvents,
  scoreAt,
} from "./scoring/engine";
import { nextStages } from "./scoring/stages";
import { loadConfig, rulesVersion } from "./settings";
import { enableEndpoint } from "./webhooks/endpoints";
import {
  type Alert,
  deliverDue,
  deliveryEndpoint,
  enqueueAlerts,
  listDeliveries,
  nextDue,
  redeliver as redeliverMessage,
} from "./webhooks/outbox";
import { pushLead } from "./lead-index";

export interface IngestRequest {
  site: string;
  visitor: string;
  events: Event[];
  /** A reason when the whole request looked like a bot (user agent, webdriver). */
  bot: string | null;
  /** Origin of the collector as the client reached it, for links in alerts. */
  collectorUrl: string;
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
  traits: Record<string, unknown>;
  events: StoredEvent[];
  collectorUrl: string | null;
}

export type LeadView = ReturnType<Lead["describe"]>;

export const FEEDBACK_OUTCOMES = ["accepted", "rejected", "won", "lost"] as const;
export type FeedbackOutcome = (typeof FEEDBACK_OUTCOMES)[number];

/** Where sales feedback may take a lead from, and to. */
const FEEDBACK_MOVES: Record<FeedbackOutcome, { from: readonly Stage[]; to: Stage }> = {
  accepted: { from: ["mql", "sql"], to: "accepted" },
  rejected: { from: ["mql", "sql", "accepted"], to: "recycled" },
  won: { from: ["sql", "accepted"], to: "won" },
  lost: { from: ["sql", "accepted"], to: "lost" },
};


const RECENT_EVENTS = 10;
const TIMELINE_EVENTS = 500;
const MERGE_RETRY_MS = 2_000;
/** Changes within this long reach the lead index as one copy. */
const INDEX_DELAY_MS = 1_000;
const INDEX_RETRY_MS = 10_000;
/** A decaying lead's copy in the index is refreshed this often per half-life (30 d → ~4 days). */
const INDEX_REFRESHES_PER_HALF_LIFE = 8;
const ALARM_RETRY_MS = 30_000;

const iso = (ms: number) => new Date(ms).toISOString();

export class Lead extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Engagement folded so far, kept in memory so a batch costs its own events, not the history. */
  private scoring: { version: string; compiled: CompiledScoring; state: EngagementState; lastSeq: number } | null = null;
  /** The alarm time this instance last set; unknown after a restart or once the alarm ran. */
  private alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => migrate(ctx.storage));
  }

  /** Stores a batch from the snippet (or a server-side identify) and acts on it. */
  async ingest(request: IngestRequest): Promise<IngestResult> {
    const config = loadConfig(this.env);
    const existing = this.row();
    const identifiesAs = lastIdentifiedEmail(request.events, request.bot);
    if (existing?.forward_to && !(identifiesAs && identifiesAs !== existing.email)) {
      return this.forward(existing, request);
    }

    const now = this.clock(existing);
    const handOverOwed = (lead: LeadRow) => lead.kind === "visitor" && Boolean(identifiesAs || (lead.email && !lead.forward_to));
    // Events, profile, score, stage changes and their alerts: all stored, or none.
    const { lead, accepted } = this.ctx.storage.transactionSync(() => {
      const lead = existing ?? this.create({ kind: "visitor", site: request.site, visitor: request.visitor, now });
      // A visitor now identifying as someone else (a shared computer) starts a new hand-over.
      if (lead.forward_to && identifiesAs) this.sql.exec("UPDATE lead SET forward_to = NULL WHERE singleton = 1");
      // Inhuman timing is about page views: an identify or a demo request in the same batch still counts.
      const timingBot = inhumanTiming(request.events) ? "timing" : null;
      let accepted = 0;
      for (const event of request.events) {
        const bot = request.bot ?? (event.type === "page_view" ? timingBot : null);
        if (this.insertEvent(fromWire(event, request.visitor, now, bot))) accepted++;
      }
      this.sql.exec(
        `UPDATE lead SET last_seen = ?, collector_url = ?, email = coalesce(?, email), traits = ? WHERE singleton = 1`,
        now,
        request.collectorUrl,
        lead.kind === "visitor" ? identifiesAs : null,
        JSON.stringify(mergeTraits(JSON.parse(lead.traits), identifyTraits(request.events, request.bot))),
      );
      if (!handOverOwed(lead)) this.rescore(config, now, "events");
      return { lead, accepted };
    });

    const duplicates = request.events.length - accepted;
    if (handOverOwed(lead)) {
      const target = await this.handOver(config);
      return { accepted, duplicates, lead: target ?? lead.id };
    }
    return { accepted, duplicates, lead: lead.id };
  }

  /**
   * Takes in the history of an anonymous visitor who identified as this lead's email. Dedup by
   * event id makes a repeated hand-over harmless, so the visitor's object may retry freely.
   */
  absorb(request: AbsorbRequest): string {
    const config = loadConfig(this.env);
    const existing = this.row();
    const now = this.clock(existing);
    return this.ctx.storage.transactionSync(() => {
      const lead =
        existing ?? this.create({ kind: "email", site: request.site, email: normalizeEmail(request.email), now });
      for (const event of request.events) this.insertEvent(event);
      if (request.visitor) this.sql.exec("INSERT OR IGNORE INTO visitors (visitor, merged_at) VALUES (?, ?)", request.visitor, now);
      const firstSeen = request.events.reduce((min, e) => Math.min(min, e.received_at), lead.first_seen);
      this.sql.exec(
        "UPDATE lead SET traits = ?, first_seen = ?, last_seen = ?, collector_url = coalesce(?, collector_url) WHERE singleton = 1",
        JSON.stringify(mergeTraits(JSON.parse(lead.traits), request.traits)),
        firstSeen,
        now,
        request.collectorUrl,
      );
      // Merged events are older than what this object folded so far: fold the history again.
      this.scoring = null;
      this.rescore(config, now, "merge");
      return lead.id;
    });
  }

  /** The lead, its score explanation, its timeline, stage log and webhook deliveries. */
  describe(now = Date.now()) {
    const lead = this.row();
    if (!lead) return null;
    if (lead.forward_to) return { forward_to: lead.forward_to } as const;
    const site = this.siteConfig(loadConfig(this.env), lead.site);
    const result = this.currentScore(lead, site.scoring, now);
    const events = this.sql
      .exec<EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM (SELECT ${EVENT_COLUMNS} FROM events ORDER BY received_at DESC, seq DESC LIMIT ?)
         ORDER BY received_at, seq`,
        TIMELINE_EVENTS,
      )
      .toArray()
      .map(toPublicEvent);
    const transitions = this.sql
      .exec<{ sequence: number; from_stage: string; to_stage: string; at: number; score: number; reasons: string; cause: string }>(
        "SELECT sequence, from_stage, to_stage, at, score, reasons, cause FROM transitions ORDER BY sequence",
      )
      .toArray()
      .map((t) => ({ sequence: t.sequence, from: t.from_stage, to: t.to_stage, at: iso(t.at), score: t.score, reasons: JSON.parse(t.reasons), cause: t.cause }));
    const total = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM events").one().n;
    return {
      lead: { ...this.snapshot(lead, result), events_total: total },
      reasons: result.reasons,
      events,
      transitions,
      score_history: this.scoreHistory(lead, site.scoring),
      deliveries: listDeliveries(this.sql),
    };
  }

  /** The score right after each of the latest events, as the dashboard charts it. */
  private scoreHistory(lead: LeadRow, scoring: ScoringConfig): { at: string; score: number }[] {
    const compiled = compileScoring(scoring);
    const traits = this.traitsOf(lead);
    let state = emptyEngagement();
    const points: { at: string; score: number }[] = [];
    const total = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM events").one().n;
    let index = 0;
    for (const row of this.sql.exec<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events ORDER BY received_at, seq`)) {
      state = addEvent(compiled, state, toScored(row));
      if (index++ >= total - TIMELINE_EVENTS) {
        points.push({ at: iso(row.received_at), score: scoreAt(compiled, state, traits, row.received_at).score });
      }
    }
    return points;
  }

  /**
   * The one alarm does all owed work: a hand-over that failed, webhook deliveries that are due,
   * and the lead index's copy. Then it points itself at the next owed moment.
   */
  override async alarm(): Promise<void> {
    this.alarmAt = undefined;
    try {
      const config = loadConfig(this.env);
      const lead = this.row();
      if (!lead) return;
      if (lead.kind === "visitor" && lead.email && !lead.forward_to) await this.handOver(config);
      await deliverDue(this.sql, this.env, config.webhooks, Date.now());
      await this.pushIndex();
      this.arm();
    } catch (error) {
      // Retrying here, not by throwing: the runtime gives up on a throwing alarm after a few
      // tries, and the work it owes (alerts, the index copy) must not be dropped with it.
      console.error("lead alarm failed; trying again shortly", error);
      await this.ctx.storage.setAlarm(Date.now() + ALARM_RETRY_MS);
    }
  }

  /**
   * Points the alarm at the earliest owed work. Synchronous, so it can close the same block
   * that created the work; a later `setAlarm` replaces an earlier one, which is right because
   * this always computes the earliest of everything owed.
   */
  private arm(): void {
    const lead = this.row();
    if (!lead) return;
    const owed = [nextDue(this.sql), lead.index_due];
    if (lead.kind === "visitor" && lead.email && !lead.forward_to) owed.push(Date.now() + MERGE_RETRY_MS);
    const at = owed.reduce<number | null>((min, t) => (t === null ? min : min === null ? t : Math.min(min, t)), null);
    // Skipped when this instance already set that very time: a hot lead's batches cost no alarm write.
    if (at !== null && at !== this.alarmAt) void this.ctx.storage.setAlarm(at);
    this.alarmAt = at;
  }

  /** Notes that the lead index needs a fresh copy, soon but batched with whatever follows. */
  private touchIndex(now: number): void {
    const lead = this.row();
    if (!lead) return;
    if (lead.index_due === null || lead.index_due > now + INDEX_DELAY_MS) {
      this.sql.exec("UPDATE lead SET index_due = ? WHERE singleton = 1", now + INDEX_DELAY_MS);
    }
    // Always: an alarm lost to a crash or to retries running out is set again by the next change.
    this.arm();
  }

  /**
   * Sends the lead index what changed since its last copy. The lead stays owed until a copy
   * lands, so an interrupted push is simply made again. While engagement decays, the copy is
   * refreshed now and then, so listings by score do not keep a quiet lead at its peak.
   */
  private async pushIndex(): Promise<void> {
    const lead = this.row();
    const now = Date.now();
    if (!lead) return;
    const deliveries = listDeliveries(this.sql).filter((d) => Date.parse(d.updated_at) >= lead.indexed_at);
    const changes = this.sql
      .exec<{ sequence: number; from_stage: Stage; to_stage: Stage; at: number }>(
        "SELECT sequence, from_stage, to_stage, at FROM transitions WHERE sequence > ? ORDER BY sequence",
        lead.indexed_seq,
      )
      .toArray();
    const owed = (lead.index_due !== null && lead.index_due <= now) || changes.length > 0 || deliveries.length > 0;
    if (!owed) return;
    const { scoring } = this.siteConfig(loadConfig(this.env), lead.site);
    const result = lead.forward_to ? null : this.currentScore(lead, scoring, now);
    try {
      await pushLead(
        this.env.LEAD_INDEX,
        {
          id: lead.id,
          site: lead.site,
          lead: result && {
            id: lead.id,
            site: lead.site,
            email: lead.kind === "email" ? lead.email : null,
            stage: lead.stage,
            score: result.score,
            engagement: result.engagement,
            fit: result.fit,
            first_seen: lead.first_seen,
            last_seen: lead.last_seen,
            bot: this.isBot(),
          },
          changes: changes.map((c) => ({ sequence: c.sequence, from: c.from_stage, to: c.to_stage, at: c.at })),
          deliveries: deliveries.map((d) => ({
            id: d.id,
            endpoint: d.endpoint,
            type: d.type,
            sequence: d.sequence,
            status: d.status,
            attempts: d.attempts.length,
            last_error: d.attempts[d.attempts.length - 1]?.error ?? null,
            updated_at: Date.parse(d.updated_at),
          })),
        },
        now,
      );
    } catch (error) {
      console.error("lead index update failed; retrying from the alarm", error);
      this.sql.exec("UPDATE lead SET index_due = ? WHERE singleton = 1", now + INDEX_RETRY_MS);
      return;
    }
    const last = changes[changes.length - 1]?.sequence ?? lead.indexed_seq;
    const after = this.row();
    // A change that landed while the copy was on its way keeps the lead owed.
    const changed = !after || after.last_seen !== lead.last_seen || after.sequence !== lead.sequence;
    const refresh = result && result.engagement !== 0 ? now + (scoring.half_life_days * 86_400_000) / INDEX_REFRESHES_PER_HALF_LIFE : null;
    this.sql.exec(
      "UPDATE lead SET index_due = ?, indexed_at = ?, indexed_seq = ? WHERE singleton = 1",
      changed ? (after?.index_due ?? now) : refresh,
      now,
      last,
    );
  }

  private async forward(lead: LeadRow, request: IngestRequest): Promise<IngestResult> {
    this.sql.exec("UPDATE lead SET last_seen = ? WHERE singleton = 1", this.clock(lead));
    if (!lead.email) throw new Error("a forwarding lead always has the email it forwards to");
    return emailLead(this.env, lead.site, lead.email).ingest(request);
  }

  /**
   * Hands this visitor's history to the known lead, then forwards. If the known lead cannot be
   * reached, everything stays stored here and the alarm tries again: the events were
   * acknowledged, so the hand-over is owed.
   */
  private async handOver(config: Config): Promise<string | null> {
    const lead = this.row();
    if (!lead?.email) return null;
    const events = this.sql.exec<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events ORDER BY received_at, seq`).toArray();
    const history: StoredEvent[] = events.map(({ seq: _seq, ...event }) => event);
    let target: string;
    try {
      target = await emailLead(this.env, lead.site, lead.email).absorb({
        site: lead.site,
        email: lead.email,
        visitor: lead.visitor,
        traits: JSON.parse(lead.traits),
        events: history,
        collectorUrl: lead.collector_url,
      });
    } catch (error) {
      console.error("hand-over to the known lead failed; retrying from the alarm", error);
      this.arm();
      return null;
    }
    // Only events the known lead now holds are removed: one that arrived during the hand-over stays.
    const handed = events.length ? (events[events.length - 1] as EventRow).seq : 0;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM events WHERE seq <= ?", handed);
      this.sql.exec("UPDATE lead SET forward_to = ?, traits = '{}' WHERE singleton = 1", target);
      this.touchIndex(Date.now());
    });
    this.scoring = null;
    const leftover = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM events").one().n;
    if (leftover > 0) {
      this.sql.exec("UPDATE lead SET forward_to = NULL WHERE singleton = 1");
      return this.handOver(config);
    }
    return target;
  }

  /**
   * Scores the lead now and moves its stage forward. The stage changes, their log rows and
   * their outbox rows are written with no await in between: one atomic write.
   */
  private rescore(config: Config, now: number, cause: string): void {
    const lead = this.row();
    if (!lead) return;
    const { scoring } = this.siteConfig(config, lead.site);
    const result = this.currentScore(lead, scoring, now);
    // A rejected lead re-qualifies on what it does after the rejection, not on what sales saw.
    const qualifying = lead.stage === "recycled" && lead.recycled_at !== null ? this.scoreSince(lead, scoring, lead.recycled_at, now) : result;
    // Only a known lead moves: an anonymous visitor reaches MQL or SQL through the known lead it
    // identifies as (DESIGN's lifecycle), so no stage and no alert is ever counted twice.
    const moves =
      lead.kind === "email"
        ? nextStages(scoring.stages, {
            stage: lead.stage,
            identified: true,
            score: qualifying.score,
            fit: qualifying.fit,
            qualifies: qualifying.qualifies,
          })
        : [];
    this.sql.exec(
      "UPDATE lead SET score = ?, engagement = ?, fit = ?, rules_version = ? WHERE singleton = 1",
      result.score, result.engagement, result.fit, this.scoring?.version ?? null,
    );
    this.move(config, lead, moves, result, now, cause);
    this.touchIndex(now);
  }

  /**
   * Sales feedback: the only way a lead moves back (rejected → recycled). Written, with its
   * alert, in one synchronous block like every other stage change.
   */
  feedback(outcome: FeedbackOutcome, reason: string | null): { ok: true; from: Stage; to: Stage } | { ok: false; message: string } {
    const config = loadConfig(this.env);
    const lead = this.row();
    if (!lead || lead.forward_to) return { ok: false, message: "this object holds no lead" };
    const move = FEEDBACK_MOVES[outcome];
    if (!move.from.includes(lead.stage)) {
      return { ok: false, message: `a lead in stage "${lead.stage}" cannot be marked ${outcome}: that applies to ${move.from.join(", ")}` };
    }
    const now = this.clock(lead);
    const result = this.currentScore(lead, this.siteConfig(config, lead.site).scoring, now);
    this.ctx.storage.transactionSync(() => {
      if (move.to === "recycled") this.sql.exec("UPDATE lead SET recycled_at = ? WHERE singleton = 1", now);
      this.move(config, lead, [move.to], result, now, `feedback: ${outcome}${reason ? ` (${reason})` : ""}`);
      this.touchIndex(now);
    });
    return { ok: true, from: lead.stage, to: move.to };
  }

  /** Writes stage moves, their log rows and their outbox rows. Call inside a transactionSync. */
  private move(config: Config, lead: LeadRow, moves: readonly Stage[], result: ScoreResult, now: number, cause: string): void {
    if (moves.length === 0) return;
    let stage = lead.stage;
    let sequence = lead.sequence;
    const alerts: Alert[] = [];
    const recent = this.recentEvents();
    for (const to of moves) {
      sequence++;
      this.sql.exec(
        `INSERT INTO transitions (sequence, from_stage, to_stage, at, score, engagement, fit, reasons, cause)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        sequence, stage, to, now, result.score, result.engagement, result.fit, JSON.stringify(result.reasons), cause,
      );
      alerts.push({
        type: to === "known" ? "lead.identified" : (`lead.${to}` as Alert["type"]),
        sequence,
        at: now,
        lead: this.snapshot({ ...lead, stage: to, sequence, last_seen: now }, result),
        from: stage,
        to,
        reasons: result.reasons,
        recent,
        dashboard_url: lead.collector_url ? `${lead.collector_url}/dashboard#lead=${lead.id}` : null,
      });
      stage = to;
    }
    this.sql.exec("UPDATE lead SET stage = ?, sequence = ? WHERE singleton = 1", stage, sequence);
    enqueueAlerts(this.sql, config.webhooks, alerts, now);
    this.arm();
  }

  /** The score of only what the lead did since `since`, with its full fit. */
  private scoreSince(lead: LeadRow, scoring: ScoringConfig, since: number, now: number): ScoreResult {
    const events = this.sql
      .exec<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE received_at > ? ORDER BY received_at, seq`, since)
      .toArray()
      .map(toScored);
    return rescoreEvents(compileScoring(scoring), events, this.traitsOf(lead), now);
  }

  /** Sends a delivery again (after its retries ran out, or to an endpoint that said 410). */
  async redeliver(id: string): Promise<boolean> {
    const endpoint = deliveryEndpoint(this.sql, id);
    if (endpoint === null) return false;
    // Re-enabled for every lead first: if the index is down this throws with nothing changed, and
    // the operator retries; the other order would let an alarm in between disable it again.
    await enableEndpoint(this.env.LEAD_INDEX, endpoint);
    const found = redeliverMessage(this.sql, id, Date.now()) !== null;
    if (found) this.touchIndex(Date.now());
    return found;
  }

  /** Everything stored about the lead, for a privacy access request. */
  exportAll() {
    const lead = this.row();
    if (!lead) return null;
    if (lead.forward_to) return { forward_to: lead.forward_to } as const;
    const view = this.describe();
    if (!view || "forward_to" in view) return null;
    return {
      ...view,
      events: this.sql.exec<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events ORDER BY received_at, seq`).toArray().map(toPublicEvent),
      deliveries: listDeliveries(this.sql, { body: true }),
      exported_at: new Date().toISOString(),
    };
  }

  /**
   * Erases the lead: every row, the pending alerts and the alarm. Returns the anonymous ids
   * that had handed over to it, so their objects can be erased too.
   */
  async erase(onlyIfForwardingTo?: string): Promise<{ site: string; visitors: string[] } | null> {
    const lead = this.row();
    if (!lead) return null;
    // A visitor that has since identified as someone else belongs to that lead now: keep it.
    if (onlyIfForwardingTo !== undefined && lead.forward_to !== onlyIfForwardingTo) return null;
    const visitors = this.visitors(lead);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.scoring = null;
    this.alarmAt = undefined;
    // deleteAll drops the schema too; the object must stay usable should the visitor return.
    migrate(this.ctx.storage);
    return { site: lead.site, visitors };
  }

  /** Folds new events into the in-memory engagement, or the whole history when rules changed. */
  private currentScore(lead: LeadRow, scoring: ScoringConfig, now: number): ScoreResult {
    const version = rulesVersion(scoring);
    if (this.scoring?.version !== version) {
      this.scoring = { version, compiled: compileScoring(scoring), state: emptyEngagement(), lastSeq: 0 };
    }
    const fold = this.scoring;
    // New events are appended at the lead's monotonic receive time, so their seq order is their
    // time order, and the primary key finds them without touching the history. (A merge adds
    // older events; it drops the fold, which then starts from seq 0 over the whole history.)
    const order = fold.lastSeq === 0 ? "received_at, seq" : "seq";
    for (const row of this.sql.exec<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE seq > ? ORDER BY ${order}`,
      fold.lastSeq,
    )) {
      fold.state = addEvent(fold.compiled, fold.state, toScored(row));
      fold.lastSeq = Math.max(fold.lastSeq, row.seq);
    }
    return scoreAt(fold.compiled, fold.state, this.traitsOf(lead), now);
  }

  private traitsOf(lead: LeadRow): Record<string, unknown> {
    return { ...JSON.parse(lead.traits), email: lead.email ?? undefined };
  }

  private snapshot(lead: LeadRow, result: ScoreResult): Alert["lead"] & Record<string, unknown> {
    return {
      id: lead.id,
      site: lead.site,
      email: lead.kind === "email" ? lead.email : null,
      traits: JSON.parse(lead.traits),
      stage: lead.stage,
      score: result.score,
      engagement: result.engagement,
      fit: result.fit,
      sequence: lead.sequence,
      first_seen: iso(lead.first_seen),
      last_seen: iso(lead.last_seen),
      visitors: this.visitors(lead),
      bot: this.isBot(),
    };
  }

  private visitors(lead: LeadRow): string[] {
    const merged = this.sql.exec<{ visitor: string }>("SELECT visitor FROM visitors ORDER BY merged_at").toArray();
    return lead.visitor ? [lead.visitor] : merged.map((v) => v.visitor);
  }

  /** A lead whose every event was flagged is a bot; one flagged event among human ones is not. */
  private isBot(): boolean {
    const counts = this.sql.exec<{ all: number; bots: number }>(
      "SELECT count(*) AS \"all\", count(bot) AS bots FROM events",
    ).one();
    return counts.all > 0 && counts.all === counts.bots;
  }

  private recentEvents(): Record<string, unknown>[] {
    return this.sql
      .exec<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events ORDER BY received_at DESC, seq DESC LIMIT ?`, RECENT_EVENTS)
      .toArray()
      .map(toPublicEvent);
  }

  private insertEvent(event: StoredEvent): boolean {
    // RETURNING yields no row when the id was already stored: that is a duplicate.
    const inserted = this.sql.exec(
      `INSERT INTO events (id, type, name, url, ref, title, props, ts, received_at, visitor, bot)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING seq`,
      event.id, event.type, event.name, event.url, event.ref, event.title, event.props, event.ts, event.received_at,
      event.visitor, event.bot,
    );
    return inserted.toArray().length > 0;
  }

  private row(): LeadRow | null {
    return this.sql.exec<LeadRow>(`SELECT ${LEAD_COLUMNS} FROM lead`).toArray()[0] ?? null;
  }

  private create(init: { kind: LeadRow["kind"]; site: string; visitor?: string; email?: string; now: number }): LeadRow {
    this.sql.exec(
      "INSERT INTO lead (singleton, id, kind, site, visitor, email, first_seen, last_seen) VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
      this.ctx.id.toString(), init.kind, init.site, init.visitor ?? null, init.email ?? null, init.now, init.now,
    );
    return this.row() as LeadRow;
  }

  /** Server receive time, never running backwards for this lead: it orders and windows events. */
  private clock(lead: LeadRow | null): number {
    return Math.max(Date.now(), lead?.last_seen ?? 0);
  }

  private siteConfig(config: Config, key: string): { site: SiteConfig | undefined; scoring: ScoringConfig } {
    const site = config.sites.find((s) => s.key === key);
    // A site removed from the config keeps its leads, scored by the default rules.
    return { site, scoring: site ? scoringFor(config, site) : config.scoring };
  }
}

/** The email of the last identify a human sent in this batch, normalized. */
function lastIdentifiedEmail(events: readonly Event[], bot: string | null): string | null {
  if (bot) return null;
  const identifies = events.filter((e) => e.type === "identify");
  const last = identifies[identifies.length - 1];
  return last?.type === "identify" ? normalizeEmail(last.props.email) : null;
}

/** Traits given by identify events, later ones winning. */
function identifyTraits(events: readonly Event[], bot: string | null): Record<string, unknown> {
  if (bot) return {};
  return Object.assign({}, ...events.map((e) => (e.type === "identify" ? (e.props.traits ?? {}) : {})));
}

export type { Stage };
