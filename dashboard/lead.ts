/**
 * One lead: who, stage and score with its explanation, the score chart, sales feedback, export
 * and erase, traits, stage changes and the full timeline (paged). Built once when opened; the
 * poll only refreshes the numbers at the top and offers to show new events, so a reader keeps
 * their place and their selection.
 */
import type { EventView, FeedbackView, LeadView, Touch } from "../shared/api";
import type { Boot } from "./boot";
import { ApiFailure, get, send } from "./api";
import { scoreChart } from "./chart";
import { button, empty, fields, fill, h, message, stageChip, table, when } from "./dom";
import { hashWith, opened, shareLink } from "./route";

const PAGE = 25;

export interface LeadPanelHost {
  boot: Boot;
  root: HTMLElement;
  /** Something about the lead changed (feedback, erase): the list and numbers should refresh. */
  changed(): void;
  failed(error: unknown): void;
}

const pathOf = (url: string): string => {
  try {
    const u = new URL(url);
    return u.pathname + u.search;
  } catch {
    return url;
  }
};

const fileName = (href: unknown): string => {
  if (typeof href !== "string") return "a file";
  try {
    const segments = new URL(href).pathname.split("/").filter(Boolean);
    return decodeURIComponent(segments[segments.length - 1] ?? href);
  } catch {
    return href;
  }
};

/** A touch in one line: channel, then source / medium, campaign and term when known. */
const touch = (t: Touch): string =>
  [t.channel.replace(/_/g, " "), [t.source, t.medium].filter(Boolean).join(" / "), t.campaign && `campaign ${t.campaign}`, t.term && `term ${t.term}`, t.referrer && `from ${t.referrer}`]
    .filter(Boolean)
    .join(" · ");

const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** What one event says, in a reader's words. */
export function describeEvent(e: EventView): Node[] {
  const props = record(e.props);
  const out: Node[] = [];
  switch (e.type) {
    case "page_view":
      out.push(h("span", {}, e.title || pathOf(e.url ?? "")), document.createTextNode(" "), h("span", { class: "mute" }, pathOf(e.url ?? "")));
      break;
    case "download":
      out.push(h("span", {}, "downloaded "), h("b", {}, fileName(props.href)), document.createTextNode(" "), h("span", { class: "mute" }, pathOf(e.url ?? "")));
      break;
    case "chat":
      out.push(h("span", {}, `chat · ${String(props.provider ?? "unknown provider")} · ${String(props.action ?? "")}`));
      break;
    case "identify": {
      out.push(h("span", {}, "identified as "), h("b", {}, String(props.email ?? "")));
      const traits = record(props.traits);
      if (Object.keys(traits).length) out.push(fields(traits));
      break;
    }
    default: {
      out.push(h("b", {}, e.name ?? e.type));
      if (Object.keys(props).length) out.push(fields(props));
    }
  }
  if (e.bot) out.push(h("span", { class: "bad" }, ` bot: ${e.bot}`));
  return out;
}

export class LeadPanel {
  id: string | null = null;
  private view: LeadView | null = null;
  private page = 0;
  private summary = h("div");
  private notice = h("div");
  private feedbackOut = h("div", { "aria-live": "polite" });
  private timeline = h("div");

  constructor(private readonly host: LeadPanelHost) {}

  private thresholds(view: LeadView): { mql: number; sql: number } {
    return this.host.boot.sites.find((site) => site.key === view.lead.site)?.thresholds ?? this.host.boot.thresholds;
  }

  async open(id: string | null): Promise<void> {
    this.id = id;
    this.view = null;
    this.page = 0;
    if (!id) {
      fill(this.host.root, empty("Pick a lead to see its timeline."));
      return;
    }
    fill(this.host.root, empty("Loading the lead…"));
    try {
      const view = await get<LeadView>(`/v1/leads/${encodeURIComponent(id)}`);
      if (this.id === id) this.render(view);
    } catch (error) {
      if (error instanceof ApiFailure && error.status === 404) fill(this.host.root, message(`No lead has the id ${id} (erased, or a link from another collector).`, "bad"));
      else this.host.failed(error);
    }
  }

  /** The poll: numbers at the top in place; new events wait for the reader's click. */
  async poll(): Promise<void> {
    const id = this.id;
    if (!id || !this.view) return;
    const view = await get<LeadView>(`/v1/leads/${encodeURIComponent(id)}`).catch((error: unknown) => {
      if (error instanceof ApiFailure && error.status === 404) return null;
      throw error;
    });
    if (this.id !== id || !view) return;
    this.renderSummary(view.lead);
    const before = this.view;
    if (view.lead.events_total !== before.lead.events_total || view.transitions.length !== before.transitions.length) {
      const more = view.lead.events_total - before.lead.events_total;
      fill(this.notice, h("p", { class: "message ok" }, `${more > 0 ? `${more} new event${more === 1 ? "" : "s"}` : "The lead changed"}. `, button("Show", () => this.render(view))));
    }
  }

  private renderSummary(lead: LeadView["lead"]): void {
    fill(
      this.summary,
      h(
        "p",
        {},
        h("b", {}, lead.email ?? `anonymous visitor ${lead.id.slice(0, 8)}`),
        " ",
        stageChip(lead.stage),
        " score ",
        h("b", { "data-score": "" }, lead.score),
        ` = engagement ${lead.engagement} + fit ${lead.fit}`,
        lead.bot ? h("span", { class: "bad" }, " bot") : null,
        h("br"),
        h("span", { class: "mute" }, `first seen ${when(lead.first_seen)} · last seen ${when(lead.last_seen)} · ${lead.events_total} events · site ${lead.site}`),
      ),
    );
  }

  private render(view: LeadView): void {
    this.view = view;
    const lead = view.lead;
    this.renderSummary(lead);
    fill(this.notice);
    fill(this.feedbackOut);
    const link = h("a", { href: shareLink({ lead: lead.id }) }, "Link to this lead");
    const chart = scoreChart(view, this.thresholds(view));
    const traits = Object.keys(lead.traits).length ? fields(lead.traits) : h("p", { class: "mute" }, "No traits given yet.");
    fill(
      this.host.root,
      this.summary,
      this.notice,
      h("p", {}, link, " · ", button("Refresh", () => void this.open(lead.id))),
      chart ?? empty("No score history yet."),
      this.feedbackForm(lead.id),
      this.feedbackOut,
      h("h3", {}, "Why this score"),
      view.reasons.length
        ? table(["Rule", "Points", "Times"], view.reasons.map((r) => h("tr", {}, h("td", {}, r.rule), h("td", {}, r.points), h("td", {}, r.count))))
        : empty("No rule gave points yet."),
      h("h3", {}, "Traits"),
      traits,
      h("h3", {}, "Source"),
      lead.source ? fields({ "first touch": touch(lead.source.first), "last touch": touch(lead.source.last) }) : empty("No page view yet, so no source."),
      h("h3", {}, "Stage changes"),
      view.transitions.length
        ? table(
            ["When", "Move", "Score", "Cause"],
            view.transitions.map((t) => h("tr", {}, h("td", {}, when(t.at)), h("td", {}, stageChip(t.from), " → ", stageChip(t.to)), h("td", {}, t.score), h("td", { class: "mute" }, t.cause))),
          )
        : empty("No stage change yet."),
      h("h3", {}, "Timeline"),
      this.timeline,
    );
    this.renderTimeline();
  }

  private renderTimeline(): void {
    const view = this.view;
    if (!view) return;
    const events = [...view.events].reverse();
    const pages = Math.max(1, Math.ceil(events.length / PAGE));
    this.page = Math.min(this.page, pages - 1);
    const shown = events.slice(this.page * PAGE, (this.page + 1) * PAGE);
    const kept = view.lead.events_total > events.length ? ` (the latest ${events.length} of ${view.lead.events_total}; Export has all)` : "";
    const newer = button("Newer", () => {
      this.page--;
      this.renderTimeline();
    }, { disabled: this.page === 0 });
    const older = button("Older", () => {
      this.page++;
      this.renderTimeline();
    }, { disabled: this.page >= pages - 1 });
    fill(
      this.timeline,
      shown.length
        ? table(["When", "What"], shown.map((e) => h("tr", { "data-event": e.type }, h("td", {}, when(e.received_at)), h("td", {}, ...describeEvent(e)))))
        : empty("No events."),
      h("div", { class: "pager" }, newer, older, h("span", { class: "mute" }, `page ${this.page + 1} of ${pages}${kept}`)),
    );
  }

  private feedbackForm(id: string): HTMLElement {
    const reason = h("input", { type: "text", maxlength: 500, placeholder: "e.g. no budget", "aria-label": "Reason" });
    const amount = h("input", { type: "number", min: 0, step: "any", inputmode: "decimal", placeholder: "deal size", "aria-label": "Amount (with won)", size: 9 });
    const give = (outcome: FeedbackView["outcome"]) => async () => {
      const body: { outcome: string; reason?: string; amount?: number } = { outcome };
      if (reason.value.trim()) body.reason = reason.value.trim();
      if (outcome === "won" && amount.value !== "") body.amount = Number(amount.value);
      if (outcome === "rejected" && !body.reason) {
        fill(this.feedbackOut, message("Say why the lead is rejected: the reason feeds the calibration.", "bad"));
        reason.focus();
        return;
      }
      try {
        const answer = await send<{ from: string; to: string }>("POST", `/v1/leads/${encodeURIComponent(id)}/feedback`, body);
        this.host.changed();
        // The reader's own action: redraw the lead (stage, chart, stage changes) under the answer.
        const view = await get<LeadView>(`/v1/leads/${encodeURIComponent(id)}`);
        if (this.id !== id) return;
        this.render(view);
        fill(this.feedbackOut, message(`Recorded: ${outcome} (stage ${answer.from} → ${answer.to}).`, "ok"));
      } catch (error) {
        if (error instanceof ApiFailure && error.status === 409) {
          fill(this.feedbackOut, message(`Not recorded: ${error.message}. A lead's stage only moves forward; this feedback does not fit where the lead is now.`, "bad"));
        } else if (error instanceof ApiFailure) {
          fill(this.feedbackOut, message(`Not recorded: ${error.message}`, "bad"));
        } else this.host.failed(error);
      }
    };
    const exportLead = async () => {
      try {
        const data = await get<unknown>(`/v1/leads/${encodeURIComponent(id)}/export`);
        const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
        const a = h("a", { href: url, download: `lead-${id}.json` });
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      } catch (error) {
        this.host.failed(error);
      }
    };
    const confirmBox = h("div");
    const erase = () =>
      fill(
        confirmBox,
        h(
          "div",
          { class: "message bad", role: "alertdialog", "aria-label": "Confirm erase" },
          "Erase this lead, its events and the visitors that handed over to it? This cannot be undone. ",
          button("Yes, erase", async () => {
            try {
              await send("DELETE", `/v1/leads/${encodeURIComponent(id)}`);
              fill(this.host.root, message("The lead was erased.", "ok"));
              this.id = null;
              this.view = null;
              if (opened().lead === id) {
                const rest = hashWith({ lead: null });
                history.replaceState(null, "", location.pathname + location.search + (rest === "#" ? "" : rest));
              }
              this.host.changed();
            } catch (error) {
              this.host.failed(error);
            }
          }, { class: "primary" }),
          " ",
          button("Cancel", () => fill(confirmBox)),
        ),
      );
    return h(
      "div",
      { class: "panel" },
      h("h3", {}, "Sales feedback"),
      h("div", { class: "actions" }, reason, amount),
      h(
        "div",
        { class: "actions" },
        button("Accept", give("accepted")),
        button("Reject", give("rejected")),
        button("Won", give("won")),
        button("Lost", give("lost")),
        h("span", { class: "sp" }),
        button("Export JSON", exportLead),
        button("Erase…", erase),
      ),
      h("p", { class: "hint mute" }, "Reject needs a reason; Won takes the deal size."),
      confirmBox,
    );
  }
}
