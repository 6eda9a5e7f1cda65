/** The audit as one self-contained HTML page (filled in below). */
import type { AuditReport } from "./audit";

export function formatHtml(report: AuditReport): string {
  return `<!doctype html><title>audit</title><pre>${JSON.stringify(report.server)}</pre>\n`;
}
