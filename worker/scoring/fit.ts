/**
 * Fit: how well the person and company behind a lead match the target profile, from the traits
 * they gave at identify. Unlike engagement, fit does not decay: a director stays a director.
 */
import type { FitRule } from "../config";
import type { Reason } from "../../shared/api";
import { isFreeEmail } from "./free-email";

/** What is known about a lead: the traits given at identify, and its email as `email`. */
export interface Traits {
  email?: string;
  [trait: string]: unknown;
}

type Condition =
  | { readonly kind: "free_email"; readonly free: boolean }
  | { readonly kind: "matches"; readonly pattern: RegExp }
  | { readonly kind: "between"; readonly lo: number; readonly hi: number }
  | { readonly kind: "present" };

export interface CompiledFitRule {
  readonly id: string;
  readonly trait: string;
  readonly points: number;
  readonly condition: Condition;
}

const conditionOf = (rule: FitRule): Condition => {
  if (rule.free_email !== undefined) return { kind: "free_email", free: rule.free_email };
  if (rule.matches !== undefined) return { kind: "matches", pattern: new RegExp(rule.matches, "i") };
  if (rule.between !== undefined) return { kind: "between", lo: rule.between[0], hi: rule.between[1] };
  return { kind: "present" };
};

/** Precompiles fit rules once per config, so scoring a lead builds no regular expression. */
export function compileFit(rules: readonly FitRule[]): CompiledFitRule[] {
  return rules.map((rule) => ({ id: rule.id, trait: rule.trait, points: rule.points, condition: conditionOf(rule) }));
}

// Sizes arrive as forms put them: "51-200", "1,000+", "about 500". The first number is the
// lower bound of a bucket, which is what a range rule means to compare.
const FIRST_NUMBER = /-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?/;

/** A trait as a number: numbers as they are, strings by their first number; null otherwise. */
export function traitNumber(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value !== "string") return null;
  const match = FIRST_NUMBER.exec(value);
  return match === null ? null : Number(match[0].replaceAll(",", ""));
}

const isMissing = (value: unknown): boolean =>
  value === undefined || value === null || (typeof value === "string" && value.trim() === "");

function applies(condition: Condition, value: unknown): boolean {
  switch (condition.kind) {
    case "free_email":
      return typeof value === "string" && isFreeEmail(value) === condition.free;
    case "matches":
      return condition.pattern.test(String(value));
    case "between": {
      const n = traitNumber(value);
      return n !== null && n >= condition.lo && n <= condition.hi;
    }
    case "present":
      return true;
  }
}

/**
 * The fit points of a lead's traits and the rules that gave them, in config order. A missing or
 * blank trait gives nothing, whatever the rule. Sums are exact: `scoreAt` rounds for output.
 *
 * - `free_email: true|false`: the email's domain is / is not a free-mail domain (no email, or
 *   one without a domain, gives nothing);
 * - `matches`: case-insensitive regular expression tested on the trait as a string;
 * - `between: [lo, hi]`: inclusive, on a number or the first number in a string ("51-200" → 51);
 * - no condition: the trait is present.
 *
 * @example
 * fitScore(compileScoring(scoring), { email: "ada@acme.com", title: "VP Sales" });
 * // { fit: 25, reasons: [{ rule: "business-email", points: 10, count: 1 }, { rule: "senior-title", ... }] }
 */
export function fitScore(
  compiled: { readonly fit: readonly CompiledFitRule[] },
  traits: Traits,
): { fit: number; reasons: Reason[] } {
  let fit = 0;
  const reasons: Reason[] = [];
  for (const rule of compiled.fit) {
    const value = Object.hasOwn(traits, rule.trait) ? traits[rule.trait] : undefined;
    if (rule.points === 0 || isMissing(value) || !applies(rule.condition, value)) continue;
    fit += rule.points;
    reasons.push({ rule: rule.id, points: rule.points, count: 1 });
  }
  return { fit, reasons };
}
