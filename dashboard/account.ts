/**
 * Accounts: the known leads of one business email domain on a site, as one buyer. The list reads
 * GET /v1/accounts (highest summed score first, paged), one account GET /v1/accounts/:domain with
 * its leads, each a link to the lead's own view. Both redraw only when their data changed.
 */
import type { AccountListItem, AccountView, Stage } from "../shared/api";
import { ApiFailure, get, qs } from "./api";
import { byId, empty, fill, h, hashLink, message, replaceIfChanged, stageChip, table, when } from "./dom";
import { hashWith, shareLink } from "./route";

export interface AccountsHost {
  /** The site picked in the header ("" for all). */
  site(): string;
  failed(error: unknown): void;
}

/** An account's stages as chips with their counts, in funnel order. */
const STAGE_ORDER: Stage[] = ["known", "mql", "sql", "accepted", "won", "recycled", "lost", "anonymous"];
const stageCounts = (stages: Partial<Record<Stage, number>>): Node[] =>
  STAGE_ORDER.filter((stage) => stages[stage]).flatMap((stage) => [stageChip(stage), document.createTextNode(` ${stages[stage]} `)]);

export class AccountsPanel {
  /** The open account: its domain and site. */
  open: { domain: string; site: string } | null = null;
  private cursors: (string | undefined)[] = [undefined];
  private readonly list = byId("accounts");
  private readonly detail = byId("account");
  private readonly min = byId<HTMLInputElement>("account-min");
  private readonly next = byId<HTMLButtonElement>("accounts-next");
  private readonly first = byId<HTMLButtonElement>("accounts-first");

  constructor(private readonly host: AccountsHost) {
    byId<HTMLFormElement>("account-find").addEventListener("submit", (event) => {
      event.preventDefault();
      this.restart();
    });
    this.first.addEventListener("click", () => this.restart());
  }

  /** Back to the first page (a new filter or site). */
  restart(): void {
    this.cursors = [undefined];
    this.renderList().catch((error: unknown) => this.host.failed(error));
  }

  async renderList(): Promise<void> {
    const query = qs({ site: this.host.site(), min_score: this.min.value, limit: 20, cursor: this.cursors[this.cursors.length - 1] });
    const answer = await get<{ accounts: AccountListItem[]; next_cursor: string | null }>(`/v1/accounts${query}`);
    this.next.hidden = answer.next_cursor === null;
    this.first.hidden = this.cursors.length === 1;
    this.next.onclick = () => {
      if (answer.next_cursor) this.cursors.push(answer.next_cursor);
      this.renderList().catch((error: unknown) => this.host.failed(error));
    };
    const open = this.open;
    replaceIfChanged(this.list, JSON.stringify([open, answer]), () => [
      answer.accounts.length
        ? table(
            ["Account", "Leads", "Stages", "Score", "Last seen"],
            answer.accounts.map((a) => {
              const target = { account: a.domain, site: a.site };
              const current = open?.domain === a.domain && open.site === a.site;
              const row = h(
                "tr",
                { class: `row${current ? " open" : ""}`, "data-domain": a.domain },
                h("td", {}, hashLink(a.domain, target), h("br"), h("span", { class: "mute" }, a.site)),
                h("td", {}, a.leads),
                h("td", {}, ...stageCounts(a.stages)),
                h("td", {}, a.score),
                h("td", {}, when(a.last_seen)),
              );
              row.addEventListener("click", (event) => {
                if (!(event.target instanceof HTMLAnchorElement)) location.hash = hashWith(target);
              });
              return row;
            }),
          )
        : this.min.value !== ""
          ? empty("No account reaches that score.")
          : empty("No accounts yet: an account forms when leads identify with a business email address (free-mail never does)."),
    ]);
  }

  /** Opens an account (null closes it); the list marks it. */
  async show(domain: string | null, site: string | null): Promise<void> {
    if (!domain) {
      this.open = null;
      fill(this.detail, empty("Pick an account to see its leads."));
      return;
    }
    this.open = { domain, site: site ?? "" };
    fill(this.detail, empty("Loading the account…"));
    await this.poll();
  }

  /** The open account again; redrawn only when it changed. */
  async poll(): Promise<void> {
    const open = this.open;
    if (!open) return;
    let view: AccountView;
    try {
      view = await get<AccountView>(`/v1/accounts/${encodeURIComponent(open.domain)}${qs({ site: open.site })}`);
    } catch (error) {
      if (this.open !== open) return;
      if (error instanceof ApiFailure && (error.status === 404 || error.status === 400)) {
        replaceIfChanged(this.detail, `missing ${open.domain} ${open.site}`, () => [message(error.message, "bad")]);
        return;
      }
      throw error;
    }
    if (this.open !== open) return;
    replaceIfChanged(this.detail, JSON.stringify(view), () => this.render(view));
  }

  private render(view: AccountView): Node[] {
    return [
      h(
        "p",
        {},
        h("b", {}, view.domain),
        " score ",
        h("b", { "data-score": "" }, view.score),
        ` from ${view.leads.length} lead${view.leads.length === 1 ? "" : "s"} `,
        ...stageCounts(view.stages),
        h("br"),
        h("span", { class: "mute" }, `site ${view.site} · last seen ${when(view.last_seen)}`),
      ),
      h("p", {}, h("a", { href: shareLink({ account: view.domain, site: view.site }) }, "Link to this account")),
      view.leads.length
        ? table(
            ["Lead", "Stage", "Score", "Last seen"],
            [...view.leads]
              .sort((a, b) => b.score - a.score)
              .map((l) => h("tr", { "data-id": l.id }, h("td", {}, hashLink(l.email, { lead: l.id })), h("td", {}, stageChip(l.stage)), h("td", {}, l.score), h("td", {}, when(l.last_seen)))),
          )
        : empty("No known lead left in this account."),
    ];
  }
}
