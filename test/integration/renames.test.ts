/**
 * A role renamed (Role's `name` changed: ALTER ROLE … RENAME, an in-place update) in the same `up`
 * that deletes or changes a resource naming it. The engine runs deletions after every update, so a
 * Grant, RoleMembership, Privileges entry or DefaultPrivileges of the old name is deleted after the
 * role already has its new one. The hooks are called here in the engine's order.
 */
import { expect } from "chai";
import {
  DefaultPrivilegesProvider,
  GrantProvider,
  PrivilegesProvider,
  RoleMembershipProvider,
  RoleProvider,
} from "../../provider";
import { Lifecycle } from "../support/engine";
import { isMember, one, q, quoteIdent as qi, roleRow, tablePriv, testServer } from "../support/db";
import { MARKER_SCHEMA, MARKER_TABLE } from "../../provider/db/ownership";
import { fixtures } from "../support/fixtures";

/** The former names recorded for a role (creation-marker table, kind "renamed role"). */
async function renameRows(oid: number): Promise<string[]> {
  const rows = await q<{ object_name: string }>(
    `SELECT object_name FROM ${qi(MARKER_SCHEMA)}.${qi(MARKER_TABLE)} WHERE kind = 'renamed role' AND object_oid = $1`,
    [oid],
  );
  return rows.map((r) => r.object_name);
}

describe("renames in the same up as a dependent's delete (real server)", () => {
  const fx = fixtures();
  const urn = (name: string) => `urn:pulumi:test::renames::postgres-roles:index:Role::${name}`;

  async function renamedRole(prefix: string) {
    const from = fx.roleName(prefix);
    const to = fx.roleName(`${prefix}_to`);
    const r = new Lifecycle(new RoleProvider());
    await r.up({ name: from, resourceUrn: urn(from) });
    return { from, to, role: r, rename: () => r.up({ name: to, resourceUrn: urn(from) }) };
  }

  it("Grant deleted after its grantee's rename: revoked from the renamed role", async () => {
    const s = await fx.schema("ren");
    await q(`CREATE TABLE ${qi(s)}.t (id int)`);
    const { from, to, rename } = await renamedRole("gr");
    const g = new Lifecycle(new GrantProvider());
    await g.up({ role: from, objectType: "table", schema: s, privileges: ["SELECT"] });
    expect(await rename()).to.equal("update");
    expect(await tablePriv(to, s, "t", "SELECT")).to.equal(true);
    await g.destroy();
    expect(await tablePriv(to, s, "t", "SELECT")).to.equal(false);
  });

  it("the record: one row per renamed role (its former name), gone with the role's drop", async () => {
    const { from, to, rename, role } = await renamedRole("rec");
    await rename();
    const oid = Number((await roleRow(to))!.oid);
    expect(await renameRows(oid)).to.deep.equal([from]);
    await role.destroy();
    expect(await renameRows(oid)).to.deep.equal([]);
  });

  it("an admin that cannot keep the record: the rename happens, a later delete by the old name revokes nothing and does not fail", async () => {
    // A CREATEROLE admin with no CREATE on the database and no access to the marker table.
    const limited = fx.roleName("limited");
    const password = `pw-${Math.random().toString(36).slice(2)}`;
    await q(`CREATE ROLE ${qi(limited)} LOGIN CREATEROLE PASSWORD '${password}'`);
    const srv = testServer();
    const connection = { host: srv.host, port: srv.port, user: limited, password, database: srv.database };
    const group = fx.roleName("lgroup");
    const from = fx.roleName("lmember");
    const to = fx.roleName("lmember_to");
    const g = new Lifecycle(new RoleProvider());
    const r = new Lifecycle(new RoleProvider());
    await g.up({ name: group, connection });
    await r.up({ name: from, connection });
    const m = new Lifecycle(new RoleMembershipProvider());
    await m.up({ role: group, member: from, connection });
    expect(await r.up({ name: to, connection })).to.equal("update");
    await m.destroy(); // finds no role "from": nothing to revoke, as documented (docs/operations.md)
    expect((await isMember(group, to)).member).to.equal(true);
    await r.destroy();
    await g.destroy();
  });

  it("RoleMembership deleted after the member's rename, and after the group's: revoked", async () => {
    const group = await renamedRole("mg");
    const member = await renamedRole("mm");
    const m = new Lifecycle(new RoleMembershipProvider());
    await m.up({ role: group.from, member: member.from });
    await member.rename();
    await group.rename();
    expect((await isMember(group.to, member.to)).member).to.equal(true);
    await m.destroy();
    expect((await isMember(group.to, member.to)).member).to.equal(false);
  });

  it("Grant and RoleMembership kept while their role is renamed: an update that keeps the privilege and the membership; another grantee is revoked", async () => {
    const s = await fx.schema("renk");
    await q(`CREATE TABLE ${qi(s)}.t (id int)`);
    const { from, to, rename } = await renamedRole("kg");
    const group = await fx.role("kgroup");
    const g = new Lifecycle(new GrantProvider());
    const m = new Lifecycle(new RoleMembershipProvider());
    await g.up({ role: from, objectType: "table", schema: s, privileges: ["SELECT"] });
    await m.up({ role: group, member: from });
    await rename();
    expect(await g.up({ role: to, objectType: "table", schema: s, privileges: ["SELECT"] })).to.equal(
      "update",
    );
    expect(await m.up({ role: group, member: to })).to.equal("update");
    expect(await tablePriv(to, s, "t", "SELECT")).to.equal(true);
    expect((await isMember(group, to)).member).to.equal(true);
    // a different grantee: the old one loses the privilege, the new one gains it
    const other = await fx.role("kother");
    expect(await g.up({ role: other, objectType: "table", schema: s, privileges: ["SELECT"] })).to.equal(
      "update",
    );
    expect(await tablePriv(to, s, "t", "SELECT")).to.equal(false);
    expect(await tablePriv(other, s, "t", "SELECT")).to.equal(true);
    await g.destroy();
    await m.destroy();
  });

  it("Privileges: an entry removed after its role's rename is revoked from the renamed role; an entry renamed with it keeps the privilege", async () => {
    const s = await fx.schema("renp");
    await q(`CREATE TABLE ${qi(s)}.t (id int)`);
    const gone = await renamedRole("pr");
    const kept = await renamedRole("pk");
    const other = await fx.role("po");
    const p = new Lifecycle(new PrivilegesProvider());
    const entry = (role: string) => ({
      role,
      objectType: "table",
      schema: s,
      objects: ["t"],
      privileges: ["SELECT"],
    });
    await p.up({ grants: [entry(gone.from), entry(kept.from), entry(other)] });
    await gone.rename();
    await kept.rename();
    expect(await p.up({ grants: [entry(kept.to), entry(other)] })).to.equal("update");
    expect(await tablePriv(gone.to, s, "t", "SELECT")).to.equal(false);
    expect(await tablePriv(kept.to, s, "t", "SELECT")).to.equal(true);
    expect(await tablePriv(other, s, "t", "SELECT")).to.equal(true);
    // and a delete after a rename
    const last = await renamedRole("pd");
    const q2 = new Lifecycle(new PrivilegesProvider());
    await q2.up({ grants: [entry(last.from)] });
    await last.rename();
    await q2.destroy();
    expect(await tablePriv(last.to, s, "t", "SELECT")).to.equal(false);
    await p.destroy();
  });

  it("DefaultPrivileges: deleted after its grantee's rename, the entry is gone; kept while renamed, it stays", async () => {
    const s = await fx.schema("rend");
    const owner = await fx.role("dpowner", { actFor: true });
    const count = async (grantee: string) =>
      (
        await one<{ n: string }>(
          `SELECT count(*)::text AS n FROM pg_default_acl a, aclexplode(a.defaclacl) x
            WHERE a.defaclnamespace = $1::regnamespace AND x.grantee = $2::regrole`,
          [qi(s), qi(grantee)],
        )
      ).n;
    const args = (role: string) => ({ role, owner, objectType: "table", schema: s, privileges: ["SELECT"] });
    const dropped = await renamedRole("dp");
    const d = new Lifecycle(new DefaultPrivilegesProvider());
    await d.up(args(dropped.from));
    await dropped.rename();
    await d.destroy();
    expect(await count(dropped.to)).to.equal("0");
    const kept = await renamedRole("dk");
    const k = new Lifecycle(new DefaultPrivilegesProvider());
    await k.up(args(kept.from));
    await kept.rename();
    expect(await k.up(args(kept.to))).to.equal("replace");
    expect(k.lastDiff?.deleteBeforeReplace).to.equal(true);
    expect(await count(kept.to)).to.equal("1");
    await k.destroy();
    expect(await count(kept.to)).to.equal("0");
  });

  it("a member's inRoles follows its group's rename in the same up, in either order of the two updates", async () => {
    for (const memberFirst of [false, true]) {
      const group = await renamedRole(`ig${memberFirst ? "m" : "g"}`);
      const name = fx.roleName("im");
      const member = new Lifecycle(new RoleProvider());
      await member.up({ name, inRoles: [group.from] });
      // The engine runs the two in parallel when the member does not depend on the rename: the
      // member's update starts first here, the group's rename while it runs.
      const outcome: string[] = [];
      const fail = (e: Error) => `failed: ${e.message}`;
      if (memberFirst) {
        const m = member.up({ name, inRoles: [group.to] }).catch(fail);
        await new Promise((resolve) => setTimeout(resolve, 300));
        outcome.push(await group.rename().catch(fail), await m);
      } else {
        outcome.push(
          await group.rename().catch(fail),
          await member.up({ name, inRoles: [group.to] }).catch(fail),
        );
      }
      expect(outcome, memberFirst ? "member first" : "group first").to.deep.equal(["update", "update"]);
      expect((await isMember(group.to, name)).member, memberFirst ? "member first" : "group first").to.equal(
        true,
      );
    }
  });
});
