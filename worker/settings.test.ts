import { afterEach, describe, expect, it, vi } from "vitest";
import bundled from "../leadlight.config.json";
import { parseConfig } from "./config";
import { loadConfig, scoringVersion } from "./settings";

const config = (edit: (c: typeof bundled) => void = () => {}) => {
  const copy = structuredClone(bundled);
  edit(copy);
  return parseConfig(copy);
};

describe("scoringVersion: the rules a sweep runs for", () => {
  it("changes with a point of the default rules", () => {
    expect(scoringVersion(config((c) => (c.scoring.engagement[0]!.points += 1)))).not.toBe(scoringVersion(config()));
  });

  it("changes when one site gets rules of its own", () => {
    const own = config((c) => Object.assign(c.sites[0]!, { scoring: { ...c.scoring, half_life_days: 7 } }));
    expect(scoringVersion(own)).not.toBe(scoringVersion(config()));
  });

  it("stays the same for changes no score depends on: webhooks, origins, the order of sites", () => {
    const base = config((c) => c.sites.push({ ...c.sites[0]!, key: "pk_zz" }));
    const other = config((c) => {
      c.sites.unshift({ ...c.sites[0]!, key: "pk_zz", origins: ["https://other.example"] });
      c.webhooks = [];
    });
    expect(scoringVersion(other)).toBe(scoringVersion(base));
  });
});

describe("loadConfig", () => {
  afterEach(() => vi.restoreAllMocks());

  const withHooks = JSON.stringify({
    ...bundled,
    webhooks: [
      { id: "inbox", url: "http://127.0.0.1:8787/dev/inbox/sales", events: ["lead.sql"], secret_env: "S", dev_only: true },
      { id: "crm", url: "https://crm.example.com/hook", events: ["lead.sql"], secret_env: "S" },
    ],
  });

  it("a deployed collector does not see dev_only webhooks, so no alert is written or sent to them", () => {
    expect(loadConfig({ LEADLIGHT_CONFIG: withHooks, LEADLIGHT_DEV: "false" }).webhooks.map((h) => h.id)).toEqual(["crm"]);
    expect(loadConfig({ LEADLIGHT_CONFIG: withHooks, LEADLIGHT_DEV: "true" }).webhooks.map((h) => h.id)).toEqual(["inbox", "crm"]);
  });

  it("hands out the same config object on every call, so the caches keyed on it hold", () => {
    const env = { LEADLIGHT_CONFIG: withHooks, LEADLIGHT_DEV: "false" };
    expect(loadConfig(env)).toBe(loadConfig(env));
  });

  it("a refused config is logged once per isolate as one JSON line with every problem's path, and refuses each request", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const broken = JSON.stringify({ ...bundled, scoring: { ...bundled.scoring, half_life_days: "30" } });
    const env = { LEADLIGHT_CONFIG: broken, LEADLIGHT_DEV: "false" };
    expect(() => loadConfig(env)).toThrow(/config is invalid/);
    expect(() => loadConfig(env)).toThrow(/config is invalid/);
    expect(error).toHaveBeenCalledTimes(1);
    expect(JSON.parse(error.mock.calls[0]?.[0] as string)).toMatchObject({
      level: "error",
      event: "config.refused",
      source: "LEADLIGHT_CONFIG",
      problems: 1,
      reason: expect.stringContaining("$.scoring.half_life_days"),
    });
  });
});
