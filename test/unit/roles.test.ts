import { expect } from "chai";
import { UNKNOWN } from "../../provider/common/validate";
import { checkRoles, diffRoles, fullEntry, sparseEntry } from "../../provider/roles/inputs";
import { planRoles } from "../../provider/roles/planner";
import type { RoleActual, RoleDesired } from "../../provider/role/planner";
import { roleActual, roleDesired } from "../support/role-values";
import type { RolesInputs, RolesOutputs } from "../../provider/roles/inputs";

const checked = (news: Record<string, unknown>) => {
  const r = checkRoles(news);
  expect(r.failures, JSON.stringify(r.failures)).to.deep.equal([]);
  return r.inputs;
};

describe("Roles inputs", () => {
  it("stores each entry sparse: only what differs from Role's defaults, `name` only when not the key", () => {
    const inputs = checked({
      roles: {
        g: {},
        l: { login: true, inherit: true, connectionLimit: 5, inRoles: ["g", "a"], settings: {} },
        k: { name: "Other", inherit: false, connectionLimit: -1, login: false },
      },
    });
    expect(inputs.roles).to.deep.equal({
      g: {},
      l: { login: true, connectionLimit: 5, inRoles: ["a", "g"] },
      k: { name: "Other", inherit: false },
    });
    expect(inputs).to.include({ adoptExisting: false, dropOwned: false });
  });

  it("sparse and full are inverses", () => {
    const full = fullEntry("k", { name: "n", login: true, validUntil: "infinity", comment: "c" });
    expect(full).to.include({ name: "n", login: true, inherit: true, connectionLimit: -1, comment: "c" });
    expect(sparseEntry("k", full)).to.deep.equal({
      name: "n",
      login: true,
      validUntil: "infinity",
      comment: "c",
    });
  });

  it("lifts an entry's password into the passwords map (never in roles)", () => {
    const inputs = checked({ roles: { a: { login: true, password: "pw" }, b: {} }, passwords: { b: "pw2" } });
    expect(inputs.roles).to.deep.equal({ a: { login: true }, b: {} });
    expect(inputs.passwords).to.deep.equal({ a: "pw", b: "pw2" });
  });

  it("keeps values unknown during preview", () => {
    const inputs = checked({ roles: { a: { inRoles: UNKNOWN }, b: UNKNOWN }, passwords: UNKNOWN });
    expect(inputs.roles).to.deep.equal({ a: { inRoles: UNKNOWN }, b: UNKNOWN });
    expect(inputs.passwords).to.equal(UNKNOWN);
    expect(checked({ roles: UNKNOWN }).roles).to.equal(UNKNOWN);
  });

  it("names each problem by its property, all at once", () => {
    const { failures } = checkRoles({
      roles: { "a b": { superuser: "yes", inRoles: ["a b"], settings: { "bad name": "x" } }, c: [] },
      dropOwned: 1,
    });
    expect(failures.map((f) => f.property)).to.deep.equal([
      "roles.a b.superuser",
      "roles.a b.inRoles",
      "roles.a b.settings.bad name",
      "roles.c",
      "dropOwned",
    ]);
    expect(checkRoles({}).failures.map((f) => f.property)).to.deep.equal(["roles"]);
  });

  it("finds memberships in a circle among its roles, not through outside roles", () => {
    const circle = checkRoles({
      roles: { a: { inRoles: ["b"] }, b: { inRoles: ["c"] }, c: { inRoles: ["a"] } },
    });
    expect(circle.failures.map((f) => f.reason).join()).to.include('"a" -> "b" -> "c" -> "a"');
    expect(
      checkRoles({ roles: { a: { inRoles: ["x"] }, b: { inRoles: ["a", "x"] } } }).failures,
    ).to.deep.equal([]);
  });
});

describe("Roles diff", () => {
  const olds = (i: RolesInputs): RolesOutputs => ({ ...i, oids: {} });

  it("no change whatever the order of keys; resourceUrn and adoptExisting are no change", () => {
    const a = checked({ roles: { x: { login: true, connectionLimit: 5 }, y: {} } });
    const b = checked({
      roles: { y: {}, x: { connectionLimit: 5, login: true } },
      resourceUrn: "urn:x",
      adoptExisting: true,
    });
    expect(diffRoles(olds(a), b).changes).to.equal(false);
  });

  it("one role changed, a password changed, another server", () => {
    const a = checked({ roles: { x: {} }, passwords: { x: "1" } });
    expect(
      diffRoles(olds(a), checked({ roles: { x: { login: true } }, passwords: { x: "1" } })).changes,
    ).to.equal(true);
    expect(diffRoles(olds(a), checked({ roles: { x: {} }, passwords: { x: "2" } })).changes).to.equal(true);
    const moved = diffRoles(
      olds(a),
      checked({ roles: { x: {} }, passwords: { x: "1" }, connection: { host: "elsewhere" } }),
    );
    expect(moved.replaces).to.deep.equal(["connection"]);
  });
});

describe("planRoles", () => {
  const desired = (name: string, over: Partial<RoleDesired> = {}): RoleDesired =>
    roleDesired({ name, ...over });
  const actual = (name: string, over: Partial<RoleActual> = {}): RoleActual =>
    roleActual({ oid: 1, name, ...over });

  it("drops first, then every rename, every CREATE/ALTER, and only then the memberships", () => {
    const sql = planRoles({
      drop: [actual("old1"), actual("old2")],
      roles: [
        { actual: undefined, desired: desired("member", { login: true, inRoles: ["group"] }) },
        {
          actual: actual("before", { connectionLimit: 1 }),
          desired: desired("group", { connectionLimit: 2 }),
        },
      ],
    }).map((s) => s.sql);
    expect(sql).to.deep.equal([
      "DROP ROLE IF EXISTS old1, old2",
      'ALTER ROLE before RENAME TO "group"',
      "CREATE ROLE member WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1",
      'ALTER ROLE "group" WITH CONNECTION LIMIT 2',
      'GRANT "group" TO member',
    ]);
  });

  it("nothing to do: no statement", () => {
    expect(planRoles({ drop: [], roles: [{ actual: actual("a"), desired: desired("a") }] })).to.deep.equal(
      [],
    );
  });
});
