/**
 * When an account turns hot: at least `min_leads` of its leads were active within the window and
 * their summed score reaches `min_score`. The alert goes out once per account per window: a hot
 * account alerts again only once `within` has passed since its last alert. Pure.
 */
export interface HotRule {
  min_leads: number;
  min_score: number;
  /** The window, in ms. */
  within: number;
}

export interface AccountMember {
  score: number;
  /** When the lead was last active (ms). */
  last_seen: number;
}

/** The leads active within the window ending at `now`, and their summed score. */
export function activeWithin(members: readonly AccountMember[], within: number, now: number): { leads: number; score: number } {
  const active = members.filter((m) => m.last_seen > now - within);
  return { leads: active.length, score: round1(active.reduce((sum, m) => sum + m.score, 0)) };
}

/**
 * Whether an `account.hot` alert is owed now. `lastHot` is when the account last alerted (null
 * when it never did).
 *
 * @example
 * const rule = { min_leads: 2, min_score: 100, within: 14 * 86_400_000 };
 * hotNow(rule, [{ score: 60, last_seen: now }, { score: 45, last_seen: now }], null, now);   // true
 * hotNow(rule, [{ score: 60, last_seen: now }, { score: 45, last_seen: now }], now - 1, now); // false: once per window
 */
export function hotNow(rule: HotRule, members: readonly AccountMember[], lastHot: number | null, now: number): boolean {
  if (lastHot !== null && now - lastHot < rule.within) return false;
  const active = activeWithin(members, rule.within, now);
  return active.leads >= rule.min_leads && active.score >= rule.min_score;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
