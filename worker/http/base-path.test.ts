import { describe, expect, it } from "vitest";
import { collectorBase, normalize, unmount } from "./base-path";

describe("unmount: the collector under a path of your own site", () => {
  it("strips the prefix from every route under it", () => {
    expect(unmount("/ll/v1/events", "/ll")).toBe("/v1/events");
    expect(unmount("/ll/s.js", "/ll")).toBe("/s.js");
    expect(unmount("/ll/", "/ll")).toBe("/");
    expect(unmount("/ll", "/ll")).toBe("/");
  });

  it("matches whole path segments only", () => {
    expect(unmount("/llama/v1/events", "/ll")).toBe("/llama/v1/events");
  });

  it("leaves paths outside the prefix alone, so workers.dev and a stripping proxy keep working", () => {
    expect(unmount("/v1/events", "/ll")).toBe("/v1/events");
  });

  it("reads the prefix with or without slashes; an empty one mounts at the root", () => {
    expect(["ll", "/ll/", " /ll ", "//ll//"].map(normalize)).toEqual(["/ll", "/ll", "/ll", "/ll"]);
    expect([undefined, "", "/"].map(normalize)).toEqual(["", "", ""]);
    expect(unmount("/v1/events", undefined)).toBe("/v1/events");
    expect(unmount("/a/b/v1/events", "a/b/")).toBe("/v1/events");
  });
});

describe("collectorBase: where links the collector hands out start", () => {
  it("keeps the prefix when the request came under it", () => {
    expect(collectorBase("https://www.example.com/ll/v1/events", "/ll")).toBe("https://www.example.com/ll");
    expect(collectorBase("https://www.example.com/ll", "ll/")).toBe("https://www.example.com/ll");
  });

  it("is the origin for a request outside the prefix (workers.dev, a stripping proxy) or with none", () => {
    expect(collectorBase("https://ll.workers.dev/v1/events", "/ll")).toBe("https://ll.workers.dev");
    expect(collectorBase("https://www.example.com/llama/v1/events", "/ll")).toBe("https://www.example.com");
    expect(collectorBase("http://127.0.0.1:8787/v1/identify", undefined)).toBe("http://127.0.0.1:8787");
  });
});
