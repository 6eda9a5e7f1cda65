/**
 * The random programs of impact-generated.test.ts: small specs for impact-program.ts (roles with
 * renames, attributes and inRoles; memberships; grants of every shape to roles and PUBLIC; default
 * privileges; row level security and a policy), each referring only to roles it declares.
 */
import fc from "fast-check";
import type { ImpactSpec } from "./impact-program";

const ROLE_KEYS = ["r1", "r2", "r3", "g1", "g2"] as const;

export function specArbitrary(
  p: string,
  s: string,
  v16: boolean,
  database: string,
): fc.Arbitrary<ImpactSpec> {
  const present = fc.subarray([...ROLE_KEYS], { minLength: 2 });
  return present.chain((keys) => {
    const ref = fc.constantFrom(...keys.map((k) => `@${k}`));
    const grantee = fc.oneof({ weight: 5, arbitrary: ref }, { weight: 1, arbitrary: fc.constant("PUBLIC") });
    // Users may be in a group; groups in nothing (no cycles).
    const groupsOf = (key: string) => (key.startsWith("r") ? keys.filter((k) => k.startsWith("g")) : []);
    const role = (key: string) =>
      fc
        .record({
          // Renames are rarer: with them come orders the engine leaves open (reported, not compared).
          renamed: fc.oneof(
            { weight: 1, arbitrary: fc.constant(true) },
            { weight: 9, arbitrary: fc.constant(false) },
          ),
          login: fc.boolean(),
          createRole: fc.boolean(),
          inherit: fc.oneof(
            { weight: 4, arbitrary: fc.constant(true) },
            { weight: 1, arbitrary: fc.constant(false) },
          ),
          connectionLimit: fc.constantFrom(-1, 3),
          inRoles: fc.subarray(groupsOf(key), { maxLength: Math.min(1, groupsOf(key).length) }),
        })
        .map((r) => ({
          key,
          name: `${p}_${key}${r.renamed ? "_b" : ""}`,
          login: r.login,
          createRole: r.createRole,
          inherit: r.inherit,
          connectionLimit: r.connectionLimit,
          inRoles: r.inRoles.map((g) => `@${g}`),
        }));
    const target = fc.constantFrom(
      { objectType: "schema", schema: s, privs: ["USAGE", "CREATE"] },
      { objectType: "table", schema: s, privs: ["SELECT", "INSERT", "UPDATE", "DELETE", "ALL"] },
      { objectType: "table", schema: s, objects: ["orders"], privs: ["SELECT", "INSERT", "TRUNCATE"] },
      { objectType: "table", schema: s, objects: ["customers", "orders"], privs: ["SELECT", "UPDATE"] },
      { objectType: "sequence", schema: s, privs: ["USAGE", "SELECT", "UPDATE"] },
      { objectType: "function", schema: s, objects: ["total(int)"], privs: ["EXECUTE"] },
      {
        objectType: "column",
        schema: s,
        objects: ["orders"],
        columns: ["amount"],
        privs: ["SELECT", "UPDATE"],
      },
      { objectType: "database", database, privs: ["CONNECT", "TEMPORARY", "CREATE"] },
    );
    const grant = (i: number) =>
      fc
        .record({
          role: grantee,
          t: target,
          pick: fc.array(fc.nat(4), { minLength: 1, maxLength: 3 }),
          wgo: fc.boolean(),
        })
        .map(({ role, t, pick, wgo }) => {
          const privileges = [...new Set(pick.map((n) => t.privs[n % t.privs.length]!))];
          const rest = Object.fromEntries(Object.entries(t).filter(([k]) => k !== "privs"));
          return {
            key: `grant${i}`,
            role,
            ...rest,
            privileges: privileges.includes("ALL") ? ["ALL"] : privileges,
            withGrantOption: wgo && role !== "PUBLIC",
          };
        });
    const groups = keys.filter((k) => k.startsWith("g"));
    const members = keys.filter((k) => k.startsWith("r"));
    const membership =
      groups.length && members.length
        ? fc
            .record({
              g: fc.constantFrom(...groups),
              m: fc.constantFrom(...members),
              admin: fc.boolean(),
              inherit: fc.option(fc.boolean(), { nil: undefined }),
              set: fc.option(fc.boolean(), { nil: undefined }),
            })
            .map(({ g, m, admin, inherit, set }) => ({
              key: `m-${g}-${m}`,
              role: `@${g}`,
              member: `@${m}`,
              withAdmin: admin,
              ...(v16 && inherit !== undefined ? { inherit } : {}),
              ...(v16 && set !== undefined ? { set } : {}),
            }))
        : fc.constant(undefined);
    const defaults = fc
      .record({
        owner: fc.constantFrom(...keys),
        role: grantee,
        global: fc.boolean(),
        type: fc.constantFrom("table", "function", "sequence"),
        privs: fc.subarray(["SELECT", "INSERT", "EXECUTE", "USAGE"], { minLength: 0, maxLength: 2 }),
      })
      .map((d) => {
        const valid: Record<string, string[]> = {
          table: ["SELECT", "INSERT"],
          function: ["EXECUTE"],
          sequence: ["USAGE", "SELECT"],
        };
        const privileges = d.privs.filter((x) => valid[d.type]!.includes(x));
        return {
          key: "dp",
          role: d.role,
          owner: `@${d.owner}`,
          objectType: d.type,
          ...(d.global ? {} : { schema: s }),
          privileges: d.global || privileges.length > 0 ? privileges : [valid[d.type]![0]!],
        };
      });
    return fc
      .record({
        roles: fc.tuple(...keys.map(role)),
        grants: fc.tuple(...[0, 1, 2, 3].map(grant)).chain((gs) => fc.subarray(gs)),
        memberships: fc.array(membership, { maxLength: 2 }),
        defaults: fc.option(defaults, { nil: undefined }),
        rls: fc.option(fc.record({ enabled: fc.boolean(), force: fc.boolean() }), { nil: undefined }),
        policy: fc.option(ref, { nil: undefined }),
      })
      .map((x) => {
        const memberships = [
          ...new Map(x.memberships.filter((m) => m !== undefined).map((m) => [m!.key, m!])).values(),
        ];
        const spec: ImpactSpec = {
          roles: x.roles,
          grants: x.grants,
          memberships,
          defaultPrivileges: x.defaults ? [x.defaults] : [],
          rowLevelSecurity: x.rls ? [{ key: "rls", table: "orders", schema: s, ...x.rls }] : [],
          policies: x.policy
            ? [
                {
                  key: "pol",
                  name: "gen",
                  table: "orders",
                  schema: s,
                  command: "SELECT",
                  roles: [x.policy],
                  using: "true",
                },
              ]
            : [],
        };
        return spec;
      });
  });
}
