import { expect } from "chai";
import { RoleMembershipProvider } from "../../provider";
import { Lifecycle } from "../support/engine";
import { dropRoles, hostile, isMember, q, quoteIdent, unique } from "../support/db";

describe("RoleMembership (real server)", () => {
  const made: string[] = [];
  async function roles(...prefixes: string[]): Promise<string[]> {
    const names = prefixes.map((p) => (p.startsWith("!") ? hostile(p.slice(1)) : unique(p)));
    for (const n of names) {
      made.push(n);
      await q(`CREATE ROLE ${quoteIdent(n)}`);
    }
    return names;
  }
  after(() => dropRoles(...made));

  it("grants a role, lists its members, revokes it", async () => {
    const [readonly, analyst, reporter] = await roles("readonly", "analyst", "reporter");
    const a = new Lifecycle(new RoleMembershipProvider());
    const b = new Lifecycle(new RoleMembershipProvider());
    await a.up({ role: readonly, member: analyst });
    await b.up({ role: readonly, member: reporter });
    const members = await q<{ rolname: string }>(
      `SELECT u.rolname FROM pg_auth_members m JOIN pg_roles u ON u.oid = m.member
        WHERE m.roleid = (SELECT oid FROM pg_roles WHERE rolname = $1) ORDER BY 1`,
      [readonly],
    );
    expect(members.map((m) => m.rolname)).to.deep.equal([analyst, reporter].sort());
    expect(await isMember(readonly, analyst)).to.deep.equal({ member: true, admin: false });
    await a.destroy();
    expect((await isMember(readonly, analyst)).member).to.equal(false);
    expect((await isMember(readonly, reporter)).member).to.equal(true);
    await b.destroy();
  });

  it("with admin option, toggled in place both ways", async () => {
    const [admin, lead] = await roles("admin", "lead_dev");
    const m = new Lifecycle(new RoleMembershipProvider());
    await m.up({ role: admin, member: lead, withAdmin: true });
    expect(await isMember(admin, lead)).to.deep.equal({ member: true, admin: true });
    expect(await m.up({ role: admin, member: lead, withAdmin: false })).to.equal("update");
    expect(await isMember(admin, lead)).to.deep.equal({ member: true, admin: false });
    expect(await m.up({ role: admin, member: lead, withAdmin: true })).to.equal("update");
    expect(await isMember(admin, lead)).to.deep.equal({ member: true, admin: true });
    expect(await m.up({ role: admin, member: lead, withAdmin: true })).to.equal("same");
    await m.destroy();
    expect((await isMember(admin, lead)).member).to.equal(false);
  });

  it("changing the member replaces the membership", async () => {
    const [group, first, second] = await roles("grp", "first", "second");
    const m = new Lifecycle(new RoleMembershipProvider());
    await m.up({ role: group, member: first });
    expect(await m.up({ role: group, member: second })).to.equal("replace");
    expect((await isMember(group, first)).member).to.equal(false);
    expect((await isMember(group, second)).member).to.equal(true);
    await m.destroy();
  });

  it("drift: a membership revoked by hand reads as gone; admin option added by hand is seen", async () => {
    const [group, member] = await roles("grp", "mem");
    const m = new Lifecycle(new RoleMembershipProvider());
    await m.up({ role: group, member });
    await q(`GRANT ${quoteIdent(group)} TO ${quoteIdent(member)} WITH ADMIN OPTION`);
    await m.refresh();
    expect(m.outs).to.include({ withAdmin: true });
    expect(await m.up({ role: group, member })).to.equal("update");
    expect(await isMember(group, member)).to.deep.equal({ member: true, admin: false });
    await q(`REVOKE ${quoteIdent(group)} FROM ${quoteIdent(member)}`);
    expect(await m.refresh()).to.equal(false);
    await m.up({ role: group, member });
    expect((await isMember(group, member)).member).to.equal(true);
    const { id, outs } = m;
    await m.destroy();
    await new RoleMembershipProvider().delete(id!, outs as never); // already gone: success
  });

  it("hostile role names", async () => {
    const [group, member] = await roles("!grp", "!mem");
    const m = new Lifecycle(new RoleMembershipProvider());
    await m.up({ role: group, member, withAdmin: true });
    expect(await isMember(group, member)).to.deep.equal({ member: true, admin: true });
    await m.destroy();
    expect((await isMember(group, member)).member).to.equal(false);
  });

  it("a missing role is a clear error", async () => {
    const [group] = await roles("grp");
    const ghost = unique("ghost");
    const m = new Lifecycle(new RoleMembershipProvider());
    let err: Error | undefined;
    try {
      await m.up({ role: group, member: ghost });
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).to.include("RoleMembership").and.include(ghost).and.include("does not exist");
  });
});
