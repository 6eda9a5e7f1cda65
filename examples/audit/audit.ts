/**
 * The regular audit (the reference document's best practice 4) as a script: every role with its
 * attributes, the privileges it holds on objects (and the default privileges it gets on future
 * ones), its members, and findings worth a look. Read-only: it only queries the catalog.
 *
 *   npx ts-node examples/audit/audit.ts [--prefix app_] [--schema app] [--json]
 *
 * Connects like the resources do without a `connection`: DATABASE_URL, or PGHOST, PGPORT, PGUSER,
 * PGPASSWORD, PGDATABASE. The admin needs no special rights to read roles and ACLs; whether a role
 * has a password is only visible to a superuser.
 */
import {
  type QueryOptions,
  type RoleGrant,
  type RoleInfo,
  listRoleGrants,
  listRoleMembers,
  listRoles,
} from "pulumi-postgres-roles";

export interface AuditOptions extends QueryOptions {
  /** Only roles whose name starts with this. */
  prefix?: string;
  /** Only privileges on objects in these schemas (as listRoleGrants's `schema`). */
  schema?: string | string[];
}

export interface AuditedRole extends RoleInfo {
  members: string[];
  grants: RoleGrant[];
  findings: string[];
}

export interface AuditReport {
  roles: AuditedRole[];
  findings: number;
}

/** What deserves a look, per role. */
function findingsOf(role: RoleInfo, grants: RoleGrant[], members: string[]): string[] {
  const out: string[] = [];
  if (role.superuser) out.push("superuser: bypasses every privilege check");
  if (role.bypassrls) out.push("BYPASSRLS: row level security does not apply");
  if (role.login && role.valid_until === null) out.push("login without password expiry (VALID UNTIL)");
  if (role.login && role.connection_limit === -1) out.push("login without connection limit");
  const direct = grants.filter((g) => g.source === "object" && g.object_type !== "database");
  if (role.login && direct.length > 0) {
    out.push(`login holding ${direct.length} privilege(s) directly: grant them to a group role instead`);
  }
  if (!role.login && members.length === 0 && grants.length > 0)
    out.push("group with privileges but no members");
  if (grants.some((g) => g.is_grantable)) out.push("holds privileges WITH GRANT OPTION");
  return out;
}

export async function audit(opts: AuditOptions = {}): Promise<AuditReport> {
  const roles = (await listRoles(opts)).filter((r) => r.name.startsWith(opts.prefix ?? ""));
  const out: AuditedRole[] = [];
  for (const role of roles) {
    const grants = await listRoleGrants(role.name, opts);
    const members = (await listRoleMembers(role.name, opts)).map((m) => m.member);
    out.push({ ...role, members, grants, findings: findingsOf(role, grants, members) });
  }
  return { roles: out, findings: out.reduce((n, r) => n + r.findings.length, 0) };
}

/** The report as text, one role per block, like the reference document's loop. */
export function formatAudit(report: AuditReport): string {
  const lines: string[] = [];
  for (const r of report.roles) {
    const flags = [
      `login=${r.login}`,
      `super=${r.superuser}`,
      `createdb=${r.createdb}`,
      `createrole=${r.createrole}`,
    ];
    if (r.connection_limit !== -1) flags.push(`connection_limit=${r.connection_limit}`);
    if (r.valid_until !== null) flags.push(`valid_until=${r.valid_until}`);
    lines.push(`${r.name}: ${flags.join(", ")}`);
    if (r.member_of.length > 0) lines.push(`  member of: ${r.member_of.join(", ")}`);
    if (r.members.length > 0) lines.push(`  members: ${r.members.join(", ")}`);
    for (const g of r.grants) {
      const on =
        g.source === "default"
          ? `future ${g.object_type}s of ${g.owner}${g.schema ? ` in ${g.schema}` : ""}`
          : g.object_type === "database" || g.object_type === "schema"
            ? `${g.object_type} ${g.object_name}`
            : `${g.schema}.${g.object_name}${g.column_name ? `(${g.column_name})` : ""}`;
      lines.push(`  - ${g.privilege} on ${on}${g.is_grantable ? " (with grant option)" : ""}`);
    }
    for (const f of r.findings) lines.push(`  ! ${f}`);
  }
  lines.push(`${report.roles.length} role(s), ${report.findings} finding(s)`);
  return lines.join("\n");
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (require.main === module) {
  const schema = arg("schema");
  audit({ prefix: arg("prefix"), schema: schema === undefined ? undefined : schema.split(",") })
    .then((report) => {
      process.stdout.write(
        `${process.argv.includes("--json") ? JSON.stringify(report, null, 2) : formatAudit(report)}\n`,
      );
    })
    .catch((e: Error) => {
      process.stderr.write(`audit failed: ${e.message}\n`);
      process.exit(1);
    });
}
