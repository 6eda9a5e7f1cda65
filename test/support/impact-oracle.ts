/**
 * The impact tests' oracle: the model the impact command predicts from a real preview, against the
 * catalog after the real `pulumi up`. Effective privileges of every role of the test are compared
 * with the SQL of `effectivePrivileges` (not with the pure function that made the prediction); ACLs,
 * memberships, attributes, default privileges, row level security and policies with a fresh read.
 */
import { expect } from "chai";
import { effectivePrivileges } from "../../provider/queries/functions";
import { effectiveFromModel } from "../../provider/queries/effective";
import { type AccessModel, type AclItem, PUBLIC_ID, readAccessModel } from "../../provider/queries/model";
import { defaultEntryAcl, simulate } from "../../provider/impact/simulate";
import { readImpactInputs } from "../../provider/impact";
import { type ImpactReport, buildImpact } from "../../provider/impact/report";
import { effectiveShape } from "./effective";

function namer(m: AccessModel): (id: string) => string {
  const names = new Map(m.roles.map((r) => [r.id, r.name]));
  return (id) => (id === PUBLIC_ID ? "PUBLIC" : (names.get(id) ?? `?${id}`));
}

const items = (xs: AclItem[], name: (id: string) => string) =>
  xs.map((x) => `${name(x.grantee)}/${name(x.grantor)}/${x.privilege}${x.grantable ? "*" : ""}`).sort();

/** Everything but effective privileges, by name, comparable with deep.equal. */
export function modelShape(m: AccessModel, roles: (name: string) => boolean): Record<string, unknown> {
  const name = namer(m);
  const v16 = m.version >= 160000;
  const pairs = new Map<string, { admin: boolean; inherit: boolean; set: boolean }>();
  for (const x of m.memberships) {
    if (!roles(name(x.member)) && !roles(name(x.role))) continue;
    const k = `${name(x.member)} in ${name(x.role)}`;
    const p = pairs.get(k) ?? { admin: false, inherit: false, set: false };
    pairs.set(k, {
      admin: p.admin || x.admin,
      inherit: p.inherit || x.inherit === true,
      set: p.set || x.set === true,
    });
  }
  const objectKey = (o: AccessModel["objects"][number]) =>
    `${o.object_type} ${o.schema ?? "-"}.${o.name}${o.column ? `.${o.column}` : ""}`;
  const acls: Record<string, string[]> = {};
  for (const o of m.objects) {
    const list = items(o.acl ?? o.def, name).filter((s) => {
      const grantee = s.split("/")[0]!;
      return roles(grantee) || grantee === "PUBLIC";
    });
    if (list.length) acls[objectKey(o)] = list;
  }
  const defaults: Record<string, string[]> = {};
  const keys = new Set(m.defaultAcls.map((d) => JSON.stringify([d.owner, d.schema, d.object_type])));
  for (const k of keys) {
    const [owner, schema, type] = JSON.parse(k) as [string, string | null, never];
    if (!roles(name(owner))) continue;
    defaults[`${name(owner)} ${schema ?? "*"} ${type}`] = items(
      defaultEntryAcl(m, owner, schema, type),
      name,
    );
  }
  return {
    roles: m.roles
      .filter((r) => roles(r.name))
      .map((r) => ({
        name: r.name,
        flags: [r.superuser, r.createrole, r.createdb, r.login, r.replication, r.inherit, r.bypassrls],
        connection_limit: r.connection_limit,
        valid_until: r.valid_until === null ? null : "set",
        has_password: r.has_password,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
    memberships: Object.fromEntries(
      [...pairs].map(([k, p]) => [k, v16 ? p : { admin: p.admin }]).sort(([a], [b]) => (a! < b! ? -1 : 1)),
    ),
    acls,
    defaults,
    rowLevelSecurity: m.rowLevelSecurity
      .filter((t) => t.enabled || t.force)
      .map((t) => `${t.schema}.${t.table} ${t.enabled} ${t.force}`)
      .sort(),
    policies: m.policies
      .map(
        (p) =>
          `${p.schema}.${p.table} ${p.name} ${p.command} ${p.permissive} ${p.roles.map(name).sort().join(",")}`,
      )
      .sort(),
  };
}

export interface Prediction {
  report: ImpactReport;
  predicted: AccessModel;
}

/** The impact command's prediction for a preview (the same functions the command runs). */
export async function predict(previewJson: string): Promise<Prediction> {
  const inputs = await readImpactInputs(previewJson);
  const result = simulate(inputs.before, inputs.preview.steps, {
    routineOids: inputs.routineOids,
    columns: inputs.columns,
  });
  const report = buildImpact(inputs.before, result, inputs.preview, { allRoles: true });
  return { report, predicted: result.after };
}

/**
 * Asserts that the prediction is what the catalog now says: effective privileges of every role the
 * filter selects (against the SQL of effectivePrivileges), and the rest of the model.
 */
export async function expectPredicted(
  predicted: AccessModel,
  roles: (name: string) => boolean,
  label = "",
): Promise<void> {
  const actual = await readAccessModel();
  expect(modelShape(predicted, roles), `${label} model`).to.deep.equal(modelShape(actual, roles));
  for (const r of actual.roles.filter((x) => roles(x.name))) {
    const p = predicted.roles.find((x) => x.name === r.name);
    expect(p, `${label} role ${r.name} predicted`).to.not.equal(undefined);
    expect(
      effectiveShape(effectiveFromModel(predicted, p!.id)),
      `${label} effective privileges of ${r.name}`,
    ).to.deep.equal(effectiveShape(await effectivePrivileges(r.name)));
  }
  for (const p of predicted.roles.filter((x) => roles(x.name))) {
    expect(
      actual.roles.some((x) => x.name === p.name),
      `${label} role ${p.name} exists after up`,
    ).to.equal(true);
  }
}
