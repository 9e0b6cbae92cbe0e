/**
 * What the collector says about leads, in its admin API and in its webhooks: one type per shape,
 * each documented in the README. The Worker maps its rows to these explicitly (worker/lead/view.ts),
 * so a column added to storage never leaks out by accident. Types only: nothing here runs.
 */
import type { Attribution, Channel, Touch } from "../worker/attribution/touch";
import type { Stage, WebhookEventType } from "../worker/config";

export type { Attribution, Channel, Stage, Touch, WebhookEventType };

/** One rule's share of a score. */
export interface Reason {
  rule: string;
  points: number;
  count: number;
}

/**
 * A lead as webhooks carry it, and the core of every API view of a lead. Anonymous device ids are
 * never part of it.
 */
export interface LeadSnapshot {
  id: string;
  email: string | null;
  traits: Record<string, unknown>;
  stage: Stage;
  score: number;
  engagement: number;
  fit: number;
  /** The lead's stage-change counter: receivers order alerts by it. */
  sequence: number;
  /** ISO 8601. */
  first_seen: string;
  /** ISO 8601. */
  last_seen: string;
  /** The email was proven (a verified identify, or the site's server); false: only claimed in a browser. */
  verified: boolean;
  /**
   * Where the lead came from: the touch of its first page view, and the latest that came from a
   * campaign or another site (a direct visit never replaces it). Null before any page view.
   */
  source: Attribution | null;
}

/** A lead as the admin API shows it: the snapshot plus what only the site owner needs. */
export interface LeadRecord extends LeadSnapshot {
  site: string;
  /** The anonymous ids (devices) whose history this lead holds. */
  visitors: string[];
  /** Every event of the lead was flagged as a bot's. */
  bot: boolean;
  events_total: number;
}

/** One event as the admin API shows it. */
export interface EventView {
  id: string;
  type: "page_view" | "download" | "chat" | "identify" | "track";
  name?: string;
  url?: string;
  ref?: string;
  title?: string;
  props?: unknown;
  /** The client's clock (ms), kept but never trusted for ordering. */
  ts: number;
  /** The collector's receive time, ISO 8601: it orders and windows events. */
  received_at: string;
  /** The anonymous id that sent it (admin API only; never in a webhook). */
  visitor: string | null;
  /** Why it was flagged as a bot's, or null. */
  bot: string | null;
  /** Present when it came from a device that joined this known lead without proof. */
  claimed?: true;
}

/** An event as a webhook's `recent` carries it: no device id. */
export type AlertEvent = Omit<EventView, "visitor">;

export interface TransitionView {
  sequence: number;
  from: Stage;
  to: Stage;
  at: string;
  score: number;
  reasons: Reason[];
  cause: string;
}

export interface DeliveryAttempt {
  attempt: number;
  at: string;
  /** The receiver's HTTP status, or null when none came (timeout, network, refused, no secret). */
  status: number | null;
  duration_ms: number;
  error: string | null;
}

export const DELIVERY_STATUSES = ["pending", "delivered", "failed", "disabled"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One message to one endpoint, with its attempts. */
export interface Delivery {
  /** The `webhook-id` the receiver saw. */
  id: string;
  endpoint: string;
  type: string;
  sequence: number;
  format: string;
  status: DeliveryStatus;
  created_at: string;
  updated_at: string;
  /** When pending: the earliest time of the next attempt. */
  next_attempt_at: string | null;
  attempts: DeliveryAttempt[];
  /** The exact body sent, only in exports. */
  body?: unknown;
}

/** A row of GET /v1/deliveries: the delivery log across leads and accounts, from the lead index. */
export interface DeliveryLogEntry {
  id: string;
  /** The lead whose alert this is; empty for an account's (see `account`). */
  lead_id: string;
  /** The account whose alert this is (account.hot); null (or absent) for a lead's. */
  account?: { site: string; domain: string } | null;
  endpoint: string;
  type: string;
  sequence: number;
  status: string;
  attempts: number;
  last_error: string | null;
  updated_at: string;
}

/** GET /v1/leads/:id */
export interface LeadView {
  lead: LeadRecord;
  reasons: Reason[];
  /** The latest events (at most 500), oldest first. */
  events: EventView[];
  transitions: TransitionView[];
  /** The score right after each of those events. */
  score_history: { at: string; score: number }[];
  deliveries: Delivery[];
}

/** GET /v1/leads/:id/export: everything stored about the lead. */
export interface LeadExport extends LeadView {
  /** Every piece of sales feedback, oldest first. */
  feedback: FeedbackView[];
  exported_at: string;
}

/** What sales said about a lead. */
export interface FeedbackView {
  outcome: "accepted" | "rejected" | "won" | "lost";
  reason: string | null;
  /** The deal size, given with `won`. */
  amount: number | null;
  at: string;
}

/** A row of GET /v1/leads (from the lead index, seconds behind the lead itself). */
export interface LeadListItem {
  id: string;
  site: string;
  email: string | null;
  stage: Stage;
  score: number;
  engagement: number;
  fit: number;
  first_seen: string;
  last_seen: string;
  bot: boolean;
  /** The email was proven (see LeadSnapshot); null: not known yet (the index copied the lead before it kept this, until its next change). */
  verified: boolean | null;
}

/** A lead of an account, as its Lead object last reported it. */
export interface AccountLead {
  id: string;
  email: string;
  stage: Stage;
  score: number;
  /** ISO 8601. */
  last_seen: string;
}

/** A row of GET /v1/accounts: an account's headline numbers. */
export interface AccountListItem {
  site: string;
  /** The business email domain the account is named for. */
  domain: string;
  /** How many known leads it has. */
  leads: number;
  /** How many of them are in each stage (stages with none are left out). */
  stages: Partial<Record<Stage, number>>;
  /** The sum of its leads' scores. */
  score: number;
  /** ISO 8601: when its most recent lead was last seen. */
  last_seen: string;
}

/** GET /v1/accounts/:domain, and an account.hot alert's account: the numbers and the leads. */
export type AccountView = Omit<AccountListItem, "leads"> & { leads: AccountLead[] };

/**
 * GET /v1/accounts/:domain: the account's numbers (as its leads last reported them) and each lead
 * as the admin API shows one, read from the lead itself.
 */
export type AccountDetail = Omit<AccountListItem, "leads"> & { leads: LeadRecord[] };

/** The body of a Standard Webhooks account.hot alert. */
export interface AccountHotBody {
  type: "account.hot";
  timestamp: string;
  /** The account's alert counter. */
  sequence: number;
  data: { account: AccountView; sequence: number };
}

/** The body of a Standard Webhooks alert. */
export interface AlertBody {
  type: WebhookEventType;
  timestamp: string;
  sequence: number;
  data: {
    lead: LeadSnapshot;
    from: Stage;
    to: Stage;
    reasons: Reason[];
    recent: AlertEvent[];
    sequence: number;
    /** Only when the move came from a change of the scoring rules, not from anything the lead did. */
    cause?: AlertCause;
  };
}

/** Why a lead moved, when it is not its own events or sales feedback. */
export type AlertCause = "rules_changed";

/** A lead whose stage the candidate rules would change, in POST /v1/preview. */
export interface PreviewMove {
  lead: string;
  email: string | null;
  from: Stage;
  to: Stage;
  score_before: number;
  score_after: number;
}

/** One rule across the replayed leads, under the rules in force and under the candidate. */
export interface PreviewRule {
  rule: string;
  /** Leads the rule gave non-zero points. */
  leads_before: number;
  leads_after: number;
  /** Points summed over those leads, to one decimal. */
  points_before: number;
  points_after: number;
}

/** POST /v1/preview: a candidate config replayed on stored histories. Nothing is written. */
export interface PreviewAnswer {
  /** Known leads replayed, most recently seen first. */
  leads: number;
  /** True when more known leads matched than were replayed (beyond `limit`, or a lead object that did not answer). */
  sampled: boolean;
  /** Leads per stage now, and if the candidate were deployed now; both name the same stages. */
  stages: { before: Partial<Record<Stage, number>>; after: Partial<Record<Stage, number>> };
  /** Leads whose stage would change, biggest score change first, at most 100. */
  moves: PreviewMove[];
  /** The candidate's rules in its order, then rules only the rules in force gave points by. */
  rules: PreviewRule[];
}

/**
 * GET /v1/rescore: the rescoring sweep that follows a change of the scoring rules. `version`
 * fingerprints every scoring of the config (the default rules and each site's own).
 */
export interface RescoreStatus {
  version: string | null;
  /** `idle` before the first sweep; `running` until every lead that can still move was visited. */
  state: "idle" | "running" | "done";
  /** Known leads first (their moves alert), then anonymous visitors; null when not running. */
  phase: "known" | "visitors" | null;
  /** Leads visited so far. */
  leads_done: number;
  /** Of those, leads scored by other rules that were rescored, and those whose stage moved. */
  rescored: number;
  moved: number;
  /** Leads that could not be reached after retries: they rescore on their next event. */
  failed: number;
  started_at: string | null;
  finished_at: string | null;
}
