/** The demo site's pages: the HTML inside the shared frame of layout.ts. */
import { page } from "./layout";

export const GUIDE_PDF = "/demo/files/acme-buyers-guide.pdf";

export const home = (): string =>
  page(
    "/demo/",
    "Home",
    `<section class="hero">
<h1>Ship cloud infrastructure your finance team will love.</h1>
<p>Acme Cloud right-sizes your servers every hour and cuts the bill by a third. No agents, no migrations, no lock-in.</p>
<p><a class="button" href="/demo/request-demo">Book a demo</a> &nbsp; <a class="button ghost" href="/demo/pricing">See pricing</a></p>
</section>
<div class="grid">
<div class="card"><h3>Right-sizing</h3><p>We watch real usage and shrink what sits idle, every hour, safely.</p></div>
<div class="card"><h3>Budgets that hold</h3><p>Set a monthly number; we alert before you cross it, not after.</p></div>
<div class="card"><h3>Reports for finance</h3><p>Cost per team, per service, per customer. <a href="/demo/resources">Read the buyer's guide</a>.</p></div>
</div>
<div class="card"><h3>Arrive from a campaign</h3><p>Leadlight keeps each lead's first and last touch and its channel, from <code>utm_*</code> and the referrer. Open this site as a visitor from
<a href="/demo/?utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=finops-weekly">the newsletter</a>,
<a href="/demo/pricing?utm_source=google&amp;utm_medium=cpc&amp;utm_campaign=brand&amp;utm_term=cloud+cost+tool">a Google ad</a> or
<a href="/demo/?utm_source=linkedin&amp;utm_medium=paid_social&amp;utm_campaign=q4-cfo">a LinkedIn ad</a>;
the dashboard's channel table counts where leads came from.</p></div>`,
  );

export const pricing = (): string =>
  page(
    "/demo/pricing",
    "Pricing",
    `<section class="hero"><h1>Simple pricing</h1><p>Pay a share of what we save you. Cancel any time.</p></section>
<div class="grid">
<div class="card"><h3>Starter</h3><div class="price">$0 <small>up to $5k cloud spend</small></div><ul class="ticks"><li>Daily right-sizing</li><li>Email alerts</li></ul><a class="button ghost" href="/demo/request-demo?plan=starter">Get started</a></div>
<div class="card featured"><h3>Growth</h3><div class="price">$490 <small>/ month</small></div><ul class="ticks"><li>Hourly right-sizing</li><li>Budgets and forecasts</li><li>Slack alerts</li></ul><a class="button" href="/demo/request-demo?plan=growth">Book a demo</a></div>
<div class="card"><h3>Enterprise</h3><div class="price">Custom</div><ul class="ticks"><li>SSO and audit log</li><li>Dedicated engineer</li><li>Annual invoicing</li></ul><a class="button ghost" href="/demo/request-demo?plan=enterprise">Talk to sales</a></div>
</div>`,
  );

export const resources = (): string =>
  page(
    "/demo/resources",
    "Resources",
    `<section class="hero"><h1>Resources</h1><p>Guides for the people who sign the cloud bill.</p></section>
<div class="grid">
<div class="card"><h3>The cloud cost buyer's guide</h3><p>Twelve questions to ask any cost-optimisation vendor, and the answers that should worry you.</p><a class="button" href="${GUIDE_PDF}">Download the PDF</a></div>
<div class="card"><h3>Savings checklist</h3><p>A one-page list to run through before your next renewal.</p><a class="button ghost" href="${GUIDE_PDF}" download="acme-savings-checklist.pdf">Download</a></div>
</div>`,
  );

export const careers = (): string =>
  page(
    "/demo/careers",
    "Careers",
    `<section class="hero"><h1>Work at Acme Cloud</h1><p>We are a small, remote team. (Leadlight scores this page negatively: job seekers are rarely buyers.)</p></section>
<div class="grid">
<div class="card"><h3>Senior backend engineer</h3><p>Remote, Europe. Go, Postgres, lots of cloud APIs.</p></div>
<div class="card"><h3>Solutions engineer</h3><p>Remote, US. Help customers see their first savings in a week.</p></div>
</div>`,
  );

export const requestDemo = (): string =>
  page(
    "/demo/request-demo",
    "Book a demo",
    `<section class="hero"><h1>Book a demo</h1><p>Thirty minutes with an engineer, on your own bill.</p></section>
<div class="card" id="personas"><h3>Demo personas</h3><p>Two people from one company make an account turn hot (<code>accounts.hot</code>: 2 leads, 100 points within 14 days). Fill the form as one, submit, then open this page in a private window (a second visitor) and submit as the other: the dev inbox gets <code>account.hot</code> for acme.io.</p>
<p><button type="button" class="button ghost" data-persona="ada">Fill in as Ada Lovelace, VP Engineering, Acme</button>
<button type="button" class="button ghost" data-persona="grace">Fill in as Grace Hopper, Director of IT, Acme</button></p></div>
<form class="stack" id="demo-form">
<label>Work email <input name="email" type="email" required placeholder="ada@example.com"></label>
<label>Name <input name="name" required placeholder="Ada Lovelace"></label>
<label>Job title <input name="title" placeholder="VP Engineering"></label>
<label>Company <input name="company" placeholder="Analytical Engines Ltd"></label>
<label>Company size <select name="company_size">
<option value="10">1–49 people</option><option value="150" selected>50–249 people</option><option value="600">250–999 people</option><option value="2500">1,000–4,999 people</option><option value="10000">5,000+ people</option>
</select></label>
<label>Budget for this, per year <select name="budget">
<option value="">Not set yet</option><option value="5000">Under $10k</option><option value="10000" selected>$10k–$50k</option><option value="50000">$50k or more</option>
</select></label>
<label>When do you want it running? <select name="timeline">
<option value="this_quarter" selected>This quarter</option><option value="next_quarter">Next quarter</option><option value="later">Later</option><option value="">Just looking</option>
</select></label>
<input type="hidden" name="plan">
<button class="button">Request my demo</button>
</form>
<div class="thanks" id="thanks" hidden><h3>Thanks — we'll be in touch within a day.</h3><p>Your demo request went to Leadlight as <code>identify</code> and <code>track('demo_request')</code>. A demo request makes a lead SQL at once: sales gets a signed webhook. See it on the <a href="/dashboard">dashboard</a>.</p></div>
<script>
const form = document.getElementById("demo-form");
const PERSONAS = {
  ada: { email: "ada@acme.io", name: "Ada Lovelace", title: "VP Engineering", company: "Acme", company_size: "600", budget: "50000", timeline: "this_quarter" },
  grace: { email: "grace@acme.io", name: "Grace Hopper", title: "Director of IT", company: "Acme", company_size: "600", budget: "10000", timeline: "this_quarter" },
};
for (const button of document.querySelectorAll("[data-persona]")) {
  button.addEventListener("click", () => {
    for (const [field, value] of Object.entries(PERSONAS[button.dataset.persona])) form.elements[field].value = value;
  });
}
form.elements.plan.value = new URLSearchParams(location.search).get("plan") || "growth";
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const f = Object.fromEntries(new FormData(form));
  // Budget and timeline are the B and T of BANT: the shipped config's stages.sql.require_fit reads them.
  leadlight("identify", f.email, {
    name: f.name, title: f.title, company: f.company, company_size: Number(f.company_size),
    ...(f.budget && { budget: Number(f.budget) }), ...(f.timeline && { timeline: f.timeline }),
  });
  leadlight("track", "demo_request", { plan: f.plan });
  form.hidden = true;
  document.getElementById("thanks").hidden = false;
});
</script>`,
  );
