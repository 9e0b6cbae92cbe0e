/**
 * The dashboard's entry: reads the boot JSON, gets the admin token (given in local development,
 * otherwise asked once and kept for the tab), and polls every 3 s, refreshing numbers and lists
 * in place. A refused token stops the poll until a new one is given.
 */
import type { Channel, DeliveryLogEntry, LeadListItem, PreviewAnswer, Stage } from "../shared/api";
import type { Boot } from "./boot";
import { ApiFailure, type FunnelStats, type InboxMessage, type RuleStats, TokenRefused, get, qs, send, setToken } from "./api";
import { AccountsPanel } from "./account";
import { button, byId, empty, fill, h, hashLink, message, percent, replaceIfChanged, stageChip, table, when } from "./dom";
import { LeadPanel } from "./lead";
import { at, hashWith, opened } from "./route";

const STAGES: Stage[] = ["anonymous", "known", "mql", "sql", "accepted", "recycled", "won", "lost"];
/** Every channel the API filters by, in the menu's order: `satisfies` fails the build when the API's list changes. */
const CHANNEL_LABELS = {
  direct: "direct",
  organic_search: "organic search",
  paid_search: "paid search",
  organic_social: "organic social",
  paid_social: "paid social",
  email: "email",
  referral: "referral",
  other: "other",
} satisfies Record<Channel, string>;
const TOKEN_KEY = "leadlight-token";
const POLL_MS = 3000;
const DAY = 86_400_000;

const boot = JSON.parse(byId("boot").textContent ?? "{}") as Boot;
const status = byId("status");
const tokenForm = byId<HTMLFormElement>("token-form");
const tokenInput = byId<HTMLInputElement>("token");
const site = byId<HTMLSelectElement>("site");

let timer: ReturnType<typeof setInterval> | undefined;
let stopped = false;

const isoDay = (t: number): string => new Date(t).toISOString().slice(0, 10);
const fromInput = byId<HTMLInputElement>("from");
const toInput = byId<HTMLInputElement>("to");
fromInput.value = isoDay(Date.now() - 30 * DAY);
toInput.value = isoDay(Date.now());

/** The range as the API takes it: whole days, `to` inclusive. */
const range = () => ({ from: fromInput.value, to: isoDay(Date.parse(toInput.value) + DAY) });

function failed(error: unknown): void {
  if (error instanceof TokenRefused) return askToken("The admin token was refused. Enter the ADMIN_TOKEN of this collector; updates are paused until then.");
  status.textContent = error instanceof Error ? error.message : String(error);
}

function askToken(text: string): void {
  stopped = true;
  if (timer !== undefined) clearInterval(timer);
  timer = undefined;
  tokenForm.hidden = false;
  status.textContent = text;
  tokenInput.focus();
}

const lead = new LeadPanel({ boot, root: byId("lead"), changed: () => void refresh(), failed });
const accounts = new AccountsPanel({ site: () => site.value, failed });

// ---- Funnel and sales numbers: built once, numbers updated in place.
const funnelRoot = byId("funnel");
const steps = new Map<string, { count: HTMLElement; bar: HTMLElement; rate: HTMLElement }>();

function renderFunnel(stats: FunnelStats): void {
  if (steps.size !== stats.funnel.length) {
    steps.clear();
    fill(funnelRoot);
    for (const step of stats.funnel) {
      const parts = { count: h("b"), bar: h("div", { class: "bar" }), rate: h("div", { class: "rate" }) };
      steps.set(step.stage, parts);
      funnelRoot.append(h("div", { class: "step", "data-stage": step.stage }, parts.bar, parts.count, h("div", {}, step.stage), parts.rate));
    }
  }
  const top = Math.max(1, ...stats.funnel.map((s) => s.count));
  stats.funnel.forEach((step, index) => {
    const parts = steps.get(step.stage);
    if (!parts) return;
    parts.count.textContent = String(step.count);
    parts.bar.style.height = `${Math.round((step.count / top) * 90 + 2)}px`;
    const conversion = index ? stats.conversion[index - 1] : undefined;
    parts.rate.textContent = conversion ? `${percent(conversion.rate)} from ${conversion.from}` : "\u00a0";
  });
  const { feedback, sales } = stats;
  const reasons = Object.entries(feedback.reasons).sort((a, b) => b[1] - a[1]);
  const number = (label: string, value: string) => h("div", {}, h("b", {}, value), h("span", { class: "mute" }, label));
  const fmt = (v: number | null, unit = "") => (v === null ? "–" : `${v.toLocaleString()}${unit}`);
  replaceIfChanged(
    byId("sales"),
    JSON.stringify([feedback, sales]),
    () => [
      h(
        "div",
        { class: "numbers" },
        number("accepted", String(feedback.accepted)),
        number("rejected", String(feedback.rejected)),
        number("won", String(feedback.won)),
        number("lost", String(feedback.lost)),
        number("close rate", percent(sales.close_rate)),
        number("average deal", fmt(sales.deal_size_avg)),
        number("days to win (median)", fmt(sales.cycle_days_p50)),
        number("minutes to feedback (median)", fmt(sales.feedback_minutes_p50)),
        number("SQLs over the SLA", String(sales.open_over_sla)),
      ),
      reasons.length ? h("p", { class: "mute" }, `Reasons: ${reasons.map(([reason, n]) => `${reason} (${n})`).join(", ")}`) : null,
    ],
  );
  const stepNames = stats.funnel.map((step) => step.stage);
  const channels = stats.by_channel ?? [];
  replaceIfChanged(byId("channels"), JSON.stringify(channels), () => [
    channels.length
      ? table(
          ["Channel (first touch)", ...stepNames, "revenue"],
          channels.map((row) => h("tr", {}, h("td", {}, row.channel.replace(/_/g, " ")), ...stepNames.map((step) => h("td", {}, row[step] ?? 0)), h("td", {}, row.revenue.toLocaleString()))),
        )
      : null,
  ]);
}

// ---- Leads: search, filters and paging.
const stageSelect = byId<HTMLSelectElement>("stage");
for (const stage of STAGES) stageSelect.append(h("option", { value: stage }, stage));
const channelSelect = byId<HTMLSelectElement>("channel");
for (const [channel, label] of Object.entries(CHANNEL_LABELS)) channelSelect.append(h("option", { value: channel }, label));
const searchInput = byId<HTMLInputElement>("q");
const minInput = byId<HTMLInputElement>("min");
const nextButton = byId<HTMLButtonElement>("next");
const firstButton = byId<HTMLButtonElement>("first");
/** The cursors of the pages read so far: the current page is the last. */
let cursors: (string | undefined)[] = [undefined];

function leadQuery(): string {
  return qs({
    site: site.value,
    q: searchInput.value.trim(),
    stage: stageSelect.value,
    channel: channelSelect.value,
    min_score: minInput.value,
    limit: 50,
    cursor: cursors[cursors.length - 1],
  });
}

async function renderLeads(): Promise<void> {
  const answer = await get<{ leads: LeadListItem[]; next_cursor: string | null }>(`/v1/leads${leadQuery()}`);
  nextButton.hidden = answer.next_cursor === null;
  firstButton.hidden = cursors.length === 1;
  nextButton.onclick = () => {
    if (answer.next_cursor) cursors.push(answer.next_cursor);
    void guarded(renderLeads);
  };
  const searching = searchInput.value.trim() !== "" || stageSelect.value !== "" || channelSelect.value !== "" || minInput.value !== "";
  replaceIfChanged(byId("leads"), JSON.stringify([lead.id, answer]), () => [
    answer.leads.length
      ? table(
          ["Lead", "Stage", "Score", "Last seen"],
          answer.leads.map((l) => {
            const open = () => (location.hash = hashWith({ lead: l.id }));
            const row = h(
              "tr",
              { class: `row${l.id === lead.id ? " open" : ""}`, "data-id": l.id },
              h(
                "td",
                {},
                button(l.email ?? `anonymous ${l.id.slice(0, 8)}`, open, { class: "linkish" }),
                l.email && l.verified === false ? h("span", { class: "mute", title: "The email was only claimed in a browser, not proven by the site" }, " unverified") : null,
                l.bot ? h("span", { class: "bad" }, " bot") : null,
              ),
              h("td", {}, stageChip(l.stage)),
              h("td", {}, `${l.score} `, h("span", { class: "mute" }, `(${l.engagement} + ${l.fit})`)),
              h("td", {}, when(l.last_seen)),
            );
            row.addEventListener("click", (event) => {
              if (!(event.target instanceof HTMLButtonElement)) open();
            });
            return row;
          }),
        )
      : searching
        ? empty(searchInput.value.trim() ? "No lead matches that search (email, company, domain or name) with these filters." : "No lead matches these filters.")
        : h("p", { class: "empty" }, "No leads yet. Open the ", h("a", { href: at("/demo/") }, "demo site"), " and click around."),
  ]);
}

byId<HTMLFormElement>("find").addEventListener("submit", (event) => {
  event.preventDefault();
  cursors = [undefined];
  void guarded(renderLeads);
});
byId("clear").addEventListener("click", () => {
  searchInput.value = minInput.value = stageSelect.value = channelSelect.value = "";
  cursors = [undefined];
  void guarded(renderLeads);
});
firstButton.addEventListener("click", () => {
  cursors = [undefined];
  void guarded(renderLeads);
});

// ---- Calibration.
async function renderRules(): Promise<void> {
  const stats = await get<RuleStats>(`/v1/stats/rules${qs({ site: site.value, ...range() })}`);
  replaceIfChanged(byId("rules"), JSON.stringify(stats), () => [
    h("p", { class: "mute" }, `${stats.baseline.leads} leads with sales feedback in the range; accepted ${percent(stats.baseline.accepted_rate)}, won ${percent(stats.baseline.won_rate)}. Lift above 1: the rule's leads are accepted more often than average.`),
    stats.rules.length
      ? table(
          ["Rule", "Leads", "Accepted", "Rejected", "Won", "Lost", "Accepted rate", "Lift"],
          stats.rules.map((r) =>
            h("tr", {}, h("td", {}, r.rule), h("td", {}, r.leads), h("td", {}, r.accepted), h("td", {}, r.rejected), h("td", {}, r.won), h("td", {}, r.lost), h("td", {}, percent(r.accepted_rate)), h("td", {}, r.lift === null ? "–" : r.lift.toFixed(2))),
          ),
        )
      : empty("No sales feedback in this range yet: accept or reject leads to calibrate the rules."),
  ]);
}

// ---- Webhook log and the dev inbox.
async function renderHooks(): Promise<void> {
  const [{ deliveries }, inbox] = await Promise.all([
    get<{ deliveries: DeliveryLogEntry[] }>("/v1/deliveries?limit=30"),
    boot.dev ? get<{ messages: InboxMessage[] }>("/dev/inbox?limit=10").catch(() => null) : Promise.resolve(null),
  ]);
  replaceIfChanged(byId("hooks"), JSON.stringify(deliveries), () => [
    deliveries.length
      ? table(
          ["When", "Alert", "Endpoint", "Status", "Attempts", "For", ""],
          deliveries.map((d) =>
            h(
              "tr",
              {},
              h("td", {}, when(d.updated_at)),
              h("td", {}, `${d.type} #${d.sequence}`),
              h("td", {}, d.endpoint),
              h("td", { class: d.status === "delivered" ? "ok" : d.status === "pending" ? "" : "bad" }, d.status, d.last_error ? h("span", { class: "mute" }, ` ${d.last_error.slice(0, 80)}`) : null),
              h("td", {}, d.attempts),
              h("td", {}, d.account ? hashLink(d.account.domain, { account: d.account.domain, site: d.account.site }) : hashLink(d.lead_id.slice(0, 8), { lead: d.lead_id })),
              h(
                "td",
                {},
                d.status === "failed" || d.status === "disabled"
                  ? button("Redeliver", () => void guarded(async () => {
                      await send("POST", `/v1/deliveries/${encodeURIComponent(d.id)}/redeliver`);
                      await renderHooks();
                    }))
                  : null,
              ),
            ),
          ),
        )
      : empty("No alerts sent yet."),
  ]);
  if (!inbox) return;
  replaceIfChanged(byId("inbox"), JSON.stringify(inbox.messages), () => [
    h("h3", {}, "Dev inbox: what sales received"),
    ...(inbox.messages.length
      ? inbox.messages.map((m) => {
          const body = typeof m.body === "string" ? m.body : JSON.stringify(m.body, null, 2);
          return h(
            "div",
            {},
            h("p", {}, m.verified ? h("span", { class: "ok" }, "✔ signature verified") : h("span", { class: "bad" }, `✘ ${m.verify_error ?? ""}`), ` · ${when(m.received_at)} · `, h("code", {}, m.headers["webhook-id"] ?? "")),
            h("pre", {}, body),
          );
        })
      : [empty("Nothing received yet.")]),
  ]);
}

// ---- What-if preview.
const candidate = byId<HTMLTextAreaElement>("candidate");
byId<HTMLInputElement>("upload").addEventListener("change", async (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (file) candidate.value = await file.text();
});
byId<HTMLFormElement>("preview").addEventListener("submit", async (event) => {
  event.preventDefault();
  const out = byId("preview-out");
  let config: unknown;
  try {
    config = JSON.parse(candidate.value);
  } catch (error) {
    fill(out, message(`The candidate is not JSON: ${error instanceof Error ? error.message : ""}`, "bad"));
    return;
  }
  fill(out, empty("Replaying stored leads under the candidate…"));
  try {
    const answer = await send<PreviewAnswer>("POST", "/v1/preview", { config, ...(site.value ? { site: site.value } : {}) });
    const stages = STAGES.filter((stage) => answer.stages.before[stage] !== undefined || answer.stages.after[stage] !== undefined);
    fill(
      out,
      h("p", {}, `${answer.leads} known leads replayed${answer.sampled ? " (a sample: the most recently seen)" : ""}; ${answer.moves.length} would change stage.`),
      table(
        ["Stage", "Now", "With the candidate"],
        stages.map((stage) => h("tr", { "data-stage": stage }, h("td", {}, stageChip(stage)), h("td", {}, answer.stages.before[stage] ?? 0), h("td", {}, answer.stages.after[stage] ?? 0))),
      ),
      h("h3", {}, "Moves"),
      answer.moves.length
        ? table(
            ["Lead", "Stage", "Score"],
            answer.moves.map((m) =>
              h("tr", {}, h("td", {}, hashLink(m.email ?? m.lead.slice(0, 8), { lead: m.lead })), h("td", {}, stageChip(m.from), " → ", stageChip(m.to)), h("td", {}, `${m.score_before} → ${m.score_after}`)),
            ),
          )
        : empty("No lead would change stage."),
      h("h3", {}, "Rules"),
      table(
        ["Rule", "Leads now", "Leads after", "Points now", "Points after"],
        answer.rules.map((r) => h("tr", {}, h("td", {}, r.rule), h("td", {}, r.leads_before), h("td", {}, r.leads_after), h("td", {}, r.points_before), h("td", {}, r.points_after))),
      ),
    );
  } catch (error) {
    if (error instanceof ApiFailure) fill(out, message(error.message, "bad"));
    else failed(error);
  }
});

// ---- The loop.
async function guarded(task: () => Promise<void>): Promise<void> {
  try {
    await task();
  } catch (error) {
    failed(error);
  }
}

async function refresh(): Promise<void> {
  if (stopped) return;
  try {
    const stats = await get<FunnelStats>(`/v1/stats${qs({ site: site.value, ...range() })}`);
    renderFunnel(stats);
    await Promise.all([renderLeads(), renderRules(), renderHooks(), lead.poll(), accounts.renderList(), accounts.poll()]);
    status.textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    failed(error);
  }
}

/** Opens what the hash names and is not open yet: a lead, an account, or both. */
function openFromHash(event?: HashChangeEvent): void {
  const want = opened();
  if (want.lead !== lead.id) {
    void lead.open(want.lead);
    // Picked from an account or the webhook log, possibly a screen away from the lead's panel.
    if (event && want.lead) byId("h-lead").scrollIntoView({ block: "nearest" });
  }
  const account = accounts.open;
  if (want.account !== (account?.domain ?? null) || (want.account && (want.site ?? "") !== account?.site)) {
    accounts.show(want.account, want.site).catch(failed);
  }
}

function start(token: string): void {
  setToken(token);
  stopped = false;
  tokenForm.hidden = true;
  status.textContent = "Loading…";
  void refresh().then(() => openFromHash());
  if (timer === undefined) timer = setInterval(() => void refresh(), POLL_MS);
}

tokenForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const token = tokenInput.value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  tokenInput.value = "";
  start(token);
});

for (const s of boot.sites) site.append(h("option", { value: s.key }, s.name));
site.addEventListener("change", () => {
  cursors = [undefined];
  accounts.restart();
  void refresh();
});
byId<HTMLFormElement>("range").addEventListener("submit", (event) => {
  event.preventDefault();
  if (!fromInput.value || !toInput.value || fromInput.value > toInput.value) {
    status.textContent = "The range needs a start on or before its end.";
    return;
  }
  void refresh();
});
window.addEventListener("hashchange", openFromHash);

const token = boot.token ?? sessionStorage.getItem(TOKEN_KEY) ?? "";
if (token) start(token);
else askToken("Enter the admin token (ADMIN_TOKEN) to see leads.");
