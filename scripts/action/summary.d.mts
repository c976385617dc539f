// Types of summary.mjs (plain JavaScript, run by the action without a build).
export interface ActionSummary {
  markdown: string;
  /** GitHub workflow command lines (::error ...). */
  annotations: string[];
}
export function summarize(report: unknown): ActionSummary;
