/**
 * A lead's score, kept current cheaply. The engagement fold lives in memory, so a batch costs its
 * own events, not the lead's whole history, and is stored with the lead's row at every score, so
 * an object woken from eviction goes on from there too. It starts over from the stored history
 * whenever the rules change or a merge adds older events. The stored events stay the source of
 * truth.
 */
import type { ScoringConfig } from "../config";
import { type EngagementState, type ScoreResult, addEvent, emptyEngagement, rescore, scoreAt } from "../scoring/engine";
import { compiledScoring, rulesVersion } from "../settings";
import { type LeadRow, type LeadStore, toScored } from "./store";

/** Bump when the engine folds events differently: folds stored by older code are then refolded. */
const FOLD_FORMAT = 1;

type Fold = { version: string; state: EngagementState; lastSeq: number };

export class LeadScore {
  private fold: Fold | null = null;

  constructor(private readonly store: LeadStore) {}

  /** The fingerprint of the rules the current fold was made with; null before the first score. */
  get version(): string | null {
    return this.fold?.version ?? null;
  }

  /** Forgets the fold in memory (after a rollback, a hand-over or an erasure): the next score goes on from the stored one, if any. */
  reset(): void {
    this.fold = null;
  }

  /** Folds the whole history again at the next score: a merge added events older than the fold's. */
  refold(): void {
    this.fold = null;
    this.store.dropScoreFold();
  }

  /** The fold as stored with the row (JSON), for `LeadStore.setScore`; null before the first score. */
  snapshot(score: number): string | null {
    return this.fold && JSON.stringify({ format: FOLD_FORMAT, score, ...this.fold });
  }

  /** The score now: new events folded in, or the whole history again when the rules changed. */
  current(lead: LeadRow, scoring: ScoringConfig, now: number): ScoreResult {
    const version = rulesVersion(scoring);
    const compiled = compiledScoring(scoring);
    if (this.fold?.version !== version) this.fold = this.stored(version) ?? { version, state: emptyEngagement(), lastSeq: 0 };
    const fold = this.fold;
    for (const row of this.store.eventsAfter(fold.lastSeq)) {
      fold.state = addEvent(compiled, fold.state, toScored(row));
      fold.lastSeq = Math.max(fold.lastSeq, row.seq);
    }
    return scoreAt(compiled, fold.state, traitsOf(lead), now);
  }

  /**
   * The fold stored with the row, when this engine made it under these rules, with the score the
   * row holds: a score written without it (by a release before the stored fold, say, rolled back
   * to) means the fold is not the row's any more.
   */
  private stored(version: string): Fold | null {
    const row = this.store.row();
    if (!row?.score_fold) return null;
    const stored = JSON.parse(row.score_fold) as Partial<Fold> & { format?: number; score?: number };
    if (stored.format !== FOLD_FORMAT || stored.score !== row.score || stored.version !== version) return null;
    if (typeof stored.lastSeq !== "number" || !stored.state) return null;
    return { version, lastSeq: stored.lastSeq, state: stored.state };
  }

  /** The score of only what the lead did after `since`, with its full fit. */
  since(lead: LeadRow, scoring: ScoringConfig, since: number, now: number): ScoreResult {
    return rescore(compiledScoring(scoring), this.store.eventsSince(since).map(toScored), traitsOf(lead), now);
  }

  /** The score right after each of the latest `limit` events, as the dashboard charts it. */
  history(lead: LeadRow, scoring: ScoringConfig, limit: number): { at: number; score: number }[] {
    const compiled = compiledScoring(scoring);
    const traits = traitsOf(lead);
    let state = emptyEngagement();
    const points: { at: number; score: number }[] = [];
    for (const row of this.store.chartEvents(limit)) {
      state = addEvent(compiled, state, toScored(row));
      if (row.charted) points.push({ at: row.received_at, score: scoreAt(compiled, state, traits, row.received_at).score });
    }
    return points;
  }
}

/** The traits fit rules read: the profile, plus the email of a known lead. */
export const traitsOf = (lead: LeadRow): Record<string, unknown> => ({ ...JSON.parse(lead.traits), email: lead.email ?? undefined });
