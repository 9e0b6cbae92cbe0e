/**
 * The config in force: the bundled leadlight.config.json, or LEADLIGHT_CONFIG when set.
 * Parsed once per isolate and per source; an invalid config refuses every request with
 * `collector_misconfigured` rather than running on half of it. Outside local development the
 * webhooks marked `dev_only` are not in it, so no alert is ever written or sent to them.
 */
import bundled from "../leadlight.config.json";
import { type Config, ConfigError, type ScoringConfig, type SiteConfig, parseConfig, scoringFor } from "./config";
import { type Env, isDev } from "./env";
import { ApiError } from "./errors";
import { log } from "./log";
import { type CompiledScoring, compileScoring } from "./scoring/engine";

let cache: { source: unknown; config: Config | ConfigError; logged: boolean } | undefined;

export function loadConfig(env: Pick<Env, "LEADLIGHT_CONFIG" | "LEADLIGHT_DEV">): Config {
  // An empty variable is an unset one (a deploy that cleared it), not an empty config.
  const source: unknown = env.LEADLIGHT_CONFIG || bundled;
  let entry = cache;
  if (!entry || entry.source !== source) {
    let config: Config | ConfigError;
    try {
      config = parseConfig(typeof source === "string" ? JSON.parse(source) : source);
    } catch (error) {
      config =
        error instanceof ConfigError ? error : new ConfigError([{ path: "$", message: `not JSON: ${(error as Error).message}` }]);
    }
    entry = cache = { source, config, logged: false };
  }
  if (entry.config instanceof ConfigError) {
    // The problems go to the operator's log, not to whoever sent the request; once per isolate
    // and config, not once per request.
    if (!entry.logged) {
      entry.logged = true;
      const problems = entry.config.problems;
      log("error", "config.refused", {
        source: env.LEADLIGHT_CONFIG ? "LEADLIGHT_CONFIG" : "leadlight.config.json",
        problems: problems.length,
        reason: problems.map((p) => `${p.path}: ${p.message}`).join("; "),
      });
    }
    throw new ApiError("collector_misconfigured", "the collector's config is invalid; its log says where and why");
  }
  return isDev(env) ? entry.config : withoutDevOnly(entry.config);
}

const deployed = new WeakMap<Config, Config>();

/** The config without its dev_only webhooks, made once per config object so caches keyed on it hold. */
function withoutDevOnly(config: Config): Config {
  if (!config.webhooks.some((hook) => hook.dev_only)) return config;
  let entry = deployed.get(config);
  if (!entry) deployed.set(config, (entry = { ...config, webhooks: config.webhooks.filter((hook) => !hook.dev_only) }));
  return entry;
}

/**
 * A short stable fingerprint of the scoring rules: when it changes, leads rescore from history.
 * Synchronous (FNV-1a) so the lead object can check it without an await between its writes.
 */
export function rulesVersion(value: object): string {
  // The parsed config is cached per isolate, so each scoring object is fingerprinted once, not
  // on every batch of the hot path.
  let version = versions.get(value);
  if (version === undefined) versions.set(value, (version = fingerprint(JSON.stringify(value))));
  return version;
}

const versions = new WeakMap<object, string>();

/**
 * One fingerprint of every scoring in the config: the default rules and each site's own, by site
 * key. When it changes (a deploy, a new LEADLIGHT_CONFIG), the rescoring sweep runs once for it;
 * each lead then compares the rules of its own site, so a change to one site's rules rescores
 * that site's leads and leaves the others as they are. Webhooks and origins are not part of it.
 */
export function scoringVersion(config: Config): string {
  let version = scoringVersions.get(config);
  if (version === undefined) {
    const sites = [...config.sites]
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((site) => `${site.key}=${site.scoring ? rulesVersion(site.scoring) : "default"}`);
    scoringVersions.set(config, (version = fingerprint([rulesVersion(config.scoring), ...sites].join("|"))));
  }
  return version;
}

const scoringVersions = new WeakMap<Config, string>();

function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return `${text.length.toString(36)}-${hash.toString(36)}`;
}

const compiled = new WeakMap<ScoringConfig, CompiledScoring>();

/** The scoring rules made ready to run, once per config object (the config is parsed once per isolate). */
export function compiledScoring(scoring: ScoringConfig): CompiledScoring {
  let entry = compiled.get(scoring);
  if (!entry) compiled.set(scoring, (entry = compileScoring(scoring)));
  return entry;
}

/** The site's config and its scoring rules; a site removed from the config keeps its leads, scored by the default rules. */
export function siteScoring(config: Config, key: string): { site: SiteConfig | undefined; scoring: ScoringConfig } {
  const site = config.sites.find((s) => s.key === key);
  return { site, scoring: site ? scoringFor(config, site) : config.scoring };
}
