import { describe, expect, test } from "vitest";
import { makePdf } from "./pdf";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe("the demo's generated PDF", () => {
  test("is a PDF whose cross-reference table points at each object", () => {
    const pdf = text(makePdf("A (guide)", ["Line one", "Ünïcode becomes ?"]));
    expect(pdf.startsWith("%PDF-1.4\n")).toBe(true);
    expect(pdf.trimEnd().endsWith("%%EOF")).toBe(true);
    const startxref = Number(/startxref\n(\d+)\n/.exec(pdf)?.[1]);
    expect(pdf.slice(startxref).startsWith("xref\n0 6\n")).toBe(true);
    const offsets = [...pdf.slice(startxref).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
    expect(offsets.map((offset, index) => pdf.slice(offset).startsWith(`${index + 1} 0 obj`))).toEqual([true, true, true, true, true]);
    expect(pdf).toContain("(A \\(guide\\)) Tj");
  });

  test("declares the exact length of its content stream", () => {
    const pdf = text(makePdf("Title", ["x"]));
    const length = Number(/\/Length (\d+) >>\nstream\n/.exec(pdf)?.[1]);
    const start = pdf.indexOf("stream\n") + "stream\n".length;
    expect(pdf.slice(start + length)).toMatch(/^\nendstream/);
  });
});
