/**
 * The impact report as Markdown (a pull-request comment: a summary line, the marked findings, then
 * per role a compact table, long lists folded in `<details>`), plain text for a terminal, or JSON.
 * Pure.
 */
import { mdEscape, mdTable, printable, textTable } from "../cli/audit";
import type { ImpactReport, PrivilegeChange, RoleImpact } from "./report";
import { qualifiedName } from "./report";

/** Rows of one role's privilege changes: one per object, change and path, privileges together. */
function privilegeRows(r: RoleImpact): string[][] {
  const groups = new Map<string, { cells: string[]; privs: string[] }>();
  for (const p of r.privileges) {
    const via = viaText(p);
    const k = [p.change, p.object_type, qualifiedName(p), via].join("\u0000");
    const g = groups.get(k);
    const priv = p.grantable && p.change === "gained" ? `${p.privilege} (grantable)` : p.privilege;
    if (g) g.privs.push(priv);
    else groups.set(k, { cells: [p.change, `${p.object_type} ${qualifiedName(p)}`, via], privs: [priv] });
  }
  return [...groups.values()].map((g) => [g.cells[0]!, g.cells[1]!, g.privs.join(", "), g.cells[2]!]);
}

function viaText(p: PrivilegeChange): string {
  if (p.reason === "superuser") return "superuser";
  if (p.via.length <= 1) return p.reason === "predefined" ? "predefined role" : "direct";
  return p.via.join(" → ");
}

function roleTitle(r: RoleImpact): string {
  const tags = [r.login ? "login" : "no login", r.status === "changed" ? "" : r.status].filter((x) => x);
  return `${r.role}${r.renamedFrom ? ` (renamed from ${r.renamedFrom})` : ""} [${tags.join(", ")}]`;
}

function value(v: string | boolean | number | null): string {
  if (v === null) return "none";
  if (typeof v === "boolean") return v ? "yes" : "no";
  return String(v);
}

function roleFacts(r: RoleImpact): string[] {
  const out: string[] = [];
  if (r.superuser.before && r.superuser.after)
    out.push("superuser before and after: can do everything either way");
  else if (r.superuser.after)
    out.push("becomes a superuser: can do everything (every privilege below and more)");
  for (const a of r.attributes) out.push(`${a.attribute}: ${value(a.before)} → ${value(a.after)}`);
  for (const m of r.memberships)
    out.push(`membership ${m.change}: ${m.role}${m.path.length > 2 ? ` (via ${m.path.join(" → ")})` : ""}`);
  const gained = r.privileges.filter((p) => p.change === "gained").length;
  const lost = r.privileges.filter((p) => p.change === "lost").length;
  if (gained + lost > 0) out.push(`${gained} privilege${gained === 1 ? "" : "s"} gained, ${lost} lost`);
  if (r.throughPublic)
    out.push(
      `and ${r.throughPublic} privilege${r.throughPublic === 1 ? "" : "s"} PUBLIC holds (every role has them; not listed)`,
    );
  return out;
}

const PRIVILEGE_HEADERS = ["change", "object", "privileges", "via"];
/** Longer tables than this are folded in Markdown. */
const FOLD = 8;

function summaryLine(report: ImpactReport): string {
  const s = report.summary;
  const parts = [
    `${s.rolesAffected} role${s.rolesAffected === 1 ? "" : "s"} affected`,
    `${s.gained} privilege${s.gained === 1 ? "" : "s"} gained, ${s.lost} lost`,
    `${s.findings.high} high, ${s.findings.medium} medium finding${s.findings.medium === 1 ? "" : "s"}`,
  ];
  if (s.notSimulated > 0)
    parts.push(`${s.notSimulated} step${s.notSimulated === 1 ? "" : "s"} not simulated`);
  return `${parts.join(" · ")} (${s.steps} planned change${s.steps === 1 ? "" : "s"} of this package, database ${report.database})`;
}

function otherTables(report: ImpactReport): Array<{ title: string; headers: string[]; rows: string[][] }> {
  const out: Array<{ title: string; headers: string[]; rows: string[][] }> = [];
  if (report.public.length)
    out.push({
      title: "PUBLIC (every role)",
      headers: ["change", "object", "privilege"],
      rows: report.public.map((c) => [c.change, `${c.object_type} ${qualifiedName(c)}`, c.privilege]),
    });
  if (report.defaultPrivileges.length)
    out.push({
      title: "Default privileges (objects created from now on)",
      headers: ["change", "future objects", "grantee", "privilege", "login roles reached"],
      rows: report.defaultPrivileges.map((d) => [
        d.change,
        `${d.object_type}s of ${d.owner}${d.schema ? ` in ${d.schema}` : " (every schema)"}`,
        d.grantee,
        d.privilege,
        d.reaches.join(", "),
      ]),
    });
  if (report.rowLevelSecurity.length)
    out.push({
      title: "Row level security",
      headers: ["table", "enabled", "forced", "policies after"],
      rows: report.rowLevelSecurity.map((t) => [
        `${t.schema}.${t.table}`,
        `${value(t.enabled.before)} → ${value(t.enabled.after)}`,
        `${value(t.force.before)} → ${value(t.force.after)}`,
        String(t.policies),
      ]),
    });
  if (report.policies.length)
    out.push({
      title: "Policies",
      headers: ["change", "table", "policy", "command", "roles"],
      rows: report.policies.map((p) => [
        p.change,
        `${p.schema}.${p.table}`,
        p.name,
        p.command,
        p.roles.join(", "),
      ]),
    });
  return out;
}

function caveats(report: ImpactReport): string[] {
  const out = report.notes.map(
    (n) => `${n.urn.slice(n.urn.lastIndexOf("::") + 2)} (${n.kind}, ${n.reason}): ${n.message}`,
  );
  if (report.otherChanges.length > 0)
    out.push(
      `this update also creates or replaces ${report.otherChanges.length} resource${report.otherChanges.length === 1 ? "" : "s"} of other providers ` +
        `(${[...new Set(report.otherChanges.map((c) => c.type))].slice(0, 5).join(", ")}): objects they create (tables, schemas …) are not in this report; ` +
        "grants on every object of a schema cover only the objects that exist when they run",
    );
  return out;
}

export function formatImpactMarkdown(report: ImpactReport): string {
  const out: string[] = ["### Access impact", "", `**${mdEscape(summaryLine(report))}**`, ""];
  if (report.findings.length) {
    out.push("#### Marked findings", "");
    for (const f of report.findings) out.push(`- **${f.level}** ${mdEscape(f.message)}`);
    out.push("");
  }
  if (report.roles.length) {
    out.push("#### Roles", "");
    for (const r of report.roles) {
      out.push(`**${mdEscape(roleTitle(r))}**`, "");
      for (const f of roleFacts(r)) out.push(`- ${mdEscape(f)}`);
      const rows = privilegeRows(r);
      if (rows.length) {
        out.push("");
        const table = mdTable(PRIVILEGE_HEADERS, rows);
        if (rows.length > FOLD)
          out.push(
            `<details><summary>${rows.length} rows of privilege changes</summary>`,
            "",
            table,
            "",
            "</details>",
          );
        else out.push(table);
      }
      out.push("");
    }
  } else out.push("No role gains or loses anything.", "");
  for (const t of otherTables(report)) {
    out.push(`#### ${t.title}`, "");
    const table = mdTable(t.headers, t.rows);
    if (t.rows.length > FOLD)
      out.push(`<details><summary>${t.rows.length} rows</summary>`, "", table, "", "</details>");
    else out.push(table);
    out.push("");
  }
  const c = caveats(report);
  if (c.length) {
    out.push("#### What this report cannot tell", "");
    for (const x of c) out.push(`- ${mdEscape(x)}`);
    out.push("");
  }
  return out.join("\n").trimEnd() + "\n";
}

export function formatImpactText(report: ImpactReport): string {
  const out: string[] = [`Access impact: ${summaryLine(report)}`, ""];
  if (report.findings.length) {
    out.push("Marked findings");
    for (const f of report.findings) out.push(`  [${f.level}] ${printable(f.message)}`);
    out.push("");
  }
  for (const r of report.roles) {
    out.push(printable(roleTitle(r)));
    for (const f of roleFacts(r)) out.push(`  ${printable(f)}`);
    const rows = privilegeRows(r);
    if (rows.length) out.push(textTable(PRIVILEGE_HEADERS, rows).replace(/^/gm, "  "));
    out.push("");
  }
  if (!report.roles.length) out.push("No role gains or loses anything.", "");
  for (const t of otherTables(report)) out.push(t.title, textTable(t.headers, t.rows), "");
  const c = caveats(report);
  if (c.length) {
    out.push("What this report cannot tell");
    for (const x of c) out.push(`  - ${printable(x)}`);
  }
  return out.join("\n").trimEnd() + "\n";
}

export function formatImpactJson(report: ImpactReport): string {
  return JSON.stringify(report, null, 2) + "\n";
}
