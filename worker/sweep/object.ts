/**
 * The Sweeper Durable Object: one for the whole collector (see notice.ts), coordinating the
 * rescoring sweep. When the scoring rules in force change, every lead whose stage can still move
 * is rescored from its history without waiting for its next event, so a quiet lead that now
 * crosses a threshold moves and alerts (cause `rules_changed`), and the index shows new scores.
 *
 * The sweep walks the lead index (D1) page by page, one page per alarm run (a run stays far
 * inside a Worker's time and subrequest limits whatever the number of leads), and stores its
 * cursor after each page: a sweep cut off by a crash or a deploy goes on where it was. Each lead
 * decides for itself whether it is stale (`Lead.rescoreIfStale`), so a lead a live event already
 * rescored is left alone, and a page tried twice moves no lead twice.
 */
import { DurableObject } from "cloudflare:workers";
import type { RescoreStatus } from "../../shared/api";
import type { Env } from "../env";
import { leadById } from "../identity";
import type { RescoreOutcome } from "../lead/object";
import { migrate } from "../lead/migrations";
import { sweepPage } from "../lead-index";
import { log, reason } from "../log";
import { loadConfig, scoringVersion } from "../settings";
import { settleEach } from "../pool";
import { SWEEP_MIGRATIONS, SweepStore, toStatus } from "./store";

/** Leads per alarm run, and how many of them are rescored at once. */
const PAGE_SIZE = 100;
const CONCURRENCY = 20;
/**
 * The first page waits this long after the new rules are noticed, so lead objects still running
 * the previous deploy have restarted with the new one (a lead on other rules answers `behind`).
 */
const START_DELAY_MS = 5_000;
/** A page with leads that failed (or ran other rules) is tried again this often, then passed. */
const PAGE_RETRIES = 3;
const PAGE_RETRY_MS = 10_000;
const ALARM_RETRY_MS = 30_000;

export class Sweeper extends DurableObject<Env> {
  private readonly store: SweepStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new SweepStore(ctx.storage.sql);
    ctx.blockConcurrencyWhile(async () => migrate(ctx.storage, SWEEP_MIGRATIONS));
  }

  /**
   * Sees that the leads are swept for the rules `version` (scoringVersion of the config) a
   * Worker serves with: starts a sweep unless that version is being or was swept. False when
   * this object runs with other rules (a deploy still rolling out): the caller asks again later.
   */
  async ensure(version: string): Promise<boolean> {
    if (version !== this.liveVersion()) return false;
    if (this.store.current()?.version === version) return true;
    // `sweep.started` is logged by the page that rescores the sweep's first lead (sweepOnePage):
    // a sweep that finds every lead current (a deploy that kept the rules; most tests) has
    // nothing to tell an operator.
    this.store.start(version, Date.now());
    await this.ctx.storage.setAlarm(Date.now() + START_DELAY_MS);
    return true;
  }

  /** Where the latest sweep is, for GET /v1/rescore. */
  status(): RescoreStatus {
    return toStatus(this.store.current());
  }

  /** One page per run, then the alarm points at the next page. */
  override async alarm(): Promise<void> {
    try {
      const next = await this.sweepOnePage();
      if (next !== null) await this.ctx.storage.setAlarm(next);
    } catch (error) {
      // Retrying here, not by throwing: the runtime gives up on a throwing alarm after a few
      // tries, and a sweep left half done would leave quiet leads unscored by the new rules.
      log("error", "sweep.alarm_failed", { reason: reason(error), retry_in_ms: ALARM_RETRY_MS });
      try {
        await this.ctx.storage.setAlarm(Date.now() + ALARM_RETRY_MS);
      } catch {
        // Storage itself is gone (the object is being reset): the runtime's own alarm retry takes over.
        throw error;
      }
    }
  }

  /** Handles the page at the cursor; returns when the next page is due, or null when done. */
  private async sweepOnePage(): Promise<number | null> {
    let sweep = this.store.current();
    if (!sweep || sweep.state === "done") return null;
    const live = this.liveVersion();
    // The rules changed again mid-sweep: the leads owe the newest rules, from the first page.
    if (live !== sweep.version) sweep = this.store.start(live, Date.now());

    const ids = await sweepPage(this.env.LEAD_INDEX, { known: sweep.phase === "known", after: sweep.cursor, limit: PAGE_SIZE });
    const outcomes = await settleEach(ids, CONCURRENCY, (id) => this.rescore(id, live));
    const counts = { rescored: 0, moved: 0 };
    let failed = 0;
    for (const outcome of outcomes) {
      if (outcome.status === "rejected" || outcome.value === "behind") failed++;
      else if (outcome.value === "rescored") counts.rescored++;
      else if (outcome.value === "moved") (counts.rescored++, counts.moved++);
    }
    // The sweep's first rescored lead (a page tried again counted its own on its first try).
    if (counts.rescored > 0 && sweep.rescored === 0) log("info", "sweep.started", { version: live });
    const last = ids[ids.length - 1];
    if (failed > 0 && sweep.retries < PAGE_RETRIES) {
      // The leads that made it are current now and answer so next time: only the rest redo work.
      this.store.retryPage(live, counts);
      log("warn", "sweep.page_retry", { version: live, failed, retry_in_ms: PAGE_RETRY_MS });
      return Date.now() + PAGE_RETRY_MS;
    }
    if (last !== undefined) this.store.advance(live, { ...counts, leads: ids.length, failed, cursor: last });
    if (failed > 0) log("warn", "sweep.leads_failed", { version: live, failed });
    if (ids.length < PAGE_SIZE) this.store.endPhase(live, Date.now());

    const after = this.store.current();
    if (after?.state !== "done") return Date.now();
    if (after.rescored > 0 || after.failed > 0) log("info", "sweep.finished", { version: after.version, leads: after.leads_done, rescored: after.rescored, moved: after.moved, failed: after.failed });
    return null;
  }

  private async rescore(id: string, version: string): Promise<RescoreOutcome> {
    // The index only holds ids of lead objects; anything else is not a lead to rescore.
    const lead = leadById(this.env, id);
    return lead ? lead.rescoreIfStale(version) : "skipped";
  }

  private liveVersion(): string {
    return scoringVersion(loadConfig(this.env));
  }
}
