/** The Account object of a site's business email domain: named for both, so one per pair. */
import type { Env } from "../env";

export const accountStub = (env: Env, site: string, domain: string) => env.ACCOUNT.get(env.ACCOUNT.idFromName(`${site}\n${domain}`));
