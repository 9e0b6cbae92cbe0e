/** Plain-text tables for the terminal (and for pasting into the README). */

/**
 * Rows of cells as aligned columns. `align` has one letter per column: "l" or "r".
 *
 * @example
 * table([["figure", "value"], ["gzip", "1973"]], { align: "lr" });
 */
export function table(rows, { align = "", indent = "  " } = {}) {
  const text = rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? "" : String(cell))));
  const widths = [];
  for (const row of text) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return text
    .map((row) => indent + row.map((cell, i) => (align[i] === "r" ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ").trimEnd())
    .join("\n");
}

/** A number with a precision that suits its size; "n/a" for none. */
export function fmt(value, digits) {
  if (typeof value !== "number" || !Number.isFinite(value)) return "n/a";
  if (digits !== undefined) return value.toFixed(digits);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export const verdict = (met) => (met === null || met === undefined ? "" : met ? "met" : "NOT MET");
