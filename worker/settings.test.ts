import { describe, expect, it } from "vitest";
import bundled from "../leadlight.config.json";
import { parseConfig } from "./config";
import { scoringVersion } from "./settings";

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
