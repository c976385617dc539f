// report.json: the RunReport as is (already redacted by writeReports).

import type { RunReport } from '../model/result.ts';

export function renderJsonReport(report: RunReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
