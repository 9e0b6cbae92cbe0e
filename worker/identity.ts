/**
 * Which Durable Object holds a lead. An anonymous visitor lives in the object named for its site
 * and visitor id; a known lead in the object named for its site and normalized email, so the
 * same person arriving from two devices lands in one object. Lead ids are the objects' ids.
 */
import { normalizeEmail } from "../shared/wire";
import type { Env } from "./env";

export const visitorObjectName = (site: string, visitor: string): string => `v:${site}:${visitor}`;
export const emailObjectName = (site: string, email: string): string => `e:${site}:${normalizeEmail(email)}`;

export const visitorLead = (env: Env, site: string, visitor: string) =>
  env.LEAD.get(env.LEAD.idFromName(visitorObjectName(site, visitor)));

export const emailLead = (env: Env, site: string, email: string) =>
  env.LEAD.get(env.LEAD.idFromName(emailObjectName(site, email)));

/** The object behind an opaque lead id, or null when the id cannot be one of ours. */
export function leadById(env: Env, id: string) {
  if (!/^[0-9a-f]{64}$/.test(id)) return null;
  try {
    return env.LEAD.get(env.LEAD.idFromString(id));
  } catch {
    return null;
  }
}
