/**
 * What the dashboard page carries in its boot JSON: the route writes it, the browser code reads it.
 * Types only: nothing here runs.
 */
export interface BootSite {
  key: string;
  name: string;
  /** The scores that make a lead MQL and SQL under this site's rules: the chart's threshold lines. */
  thresholds: { mql: number; sql: number };
}

export interface Boot {
  /** The admin token, only for a page opened on this machine by a loopback name in development. */
  token: string | null;
  dev: boolean;
  sites: BootSite[];
  /** The default rules' thresholds, for leads of a site no longer in the config. */
  thresholds: { mql: number; sql: number };
}
