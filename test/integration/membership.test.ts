import { expect } from "chai";
import { RoleMembershipProvider } from "../../provider";
import { Lifecycle } from "../support/engine";
import { asRole, countQueries, isMember, one, q, quoteIdent, unique, serverVersionNum } from "../support/db";
import { fixtures } from "../support/fixtures";

describe("RoleMembership (real server)", () => {
  const fx = fixtures();
  async function roles(...prefixes: string[]): Promise<string[]> {
    const names: string[] = [];
    for (const p of prefixes) names.push(await fx.role(p));
    return names;
  }

  it("grants a role, lists its members, revokes it", async () => {
    const [readonly, analyst, reporter] = await roles("readonly", "analyst", "reporter");
    const a = new Lifecycle(new RoleMembershipProvider());
    const b = new Lifecycle(new RoleMembershipProvider());
    await a.up({ role: readonly, member: analyst });
    await b.up({ role: readonly, member: reporter });
    const members = await q<{ rolname: string }>(
      `SELECT u.rolname FROM pg_auth_members m JOIN pg_roles u ON u.oid = m.member
        WHERE m.roleid = (SELECT oid FROM pg_roles WHERE rolname = $1)
          AND u.rolname <> current_user -- a managed-service admin is made a member of the roles it creates
        ORDER BY 1`,
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

  it("changing the member moves the membership (an in-place update)", async () => {
    const [group, first, second] = await roles("grp", "first", "second");
    const m = new Lifecycle(new RoleMembershipProvider());
    await m.up({ role: group, member: first });
    expect(await m.up({ role: group, member: second })).to.equal("update");
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

  it("a read sends one query: the server's version is read once per connection, the options with the rows", async () => {
    const [group, member] = await roles("onequery_g", "onequery_m");
    const m = new Lifecycle(new RoleMembershipProvider());
    await m.up({ role: group, member, withAdmin: true });
    await m.refresh(); // the connection has been used: its server version is known
    expect(await countQueries(() => m.refresh())).to.equal(1);
    const outs = m.outs as { withAdmin: boolean; inherit?: boolean };
    expect(outs.withAdmin).to.equal(true);
    await m.destroy();
    expect(await isMember(group, member)).to.deep.equal({ member: false, admin: false });
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

describe("RoleMembership inherit and set options (PostgreSQL 16+)", () => {
  const fx = fixtures();

  it("inherit false: the member can SET ROLE but does not inherit; set false: it cannot SET ROLE; toggled in place; drift seen", async function () {
    const version = await serverVersionNum();
    const group = await fx.role("grp");
    const member = await fx.role("mem", { login: true });
    const t = unique("t");
    await q(`CREATE TABLE public.${quoteIdent(t)} (id int)`);
    await q(`GRANT SELECT ON public.${quoteIdent(t)} TO ${quoteIdent(group)}`);
    const m = new Lifecycle(new RoleMembershipProvider());
    if (version < 160000) {
      const err = await m.up({ role: group, member, inherit: false }).catch((e: Error) => e);
      expect((err as Error).message).to.include("PostgreSQL 16");
      await q(`DROP TABLE public.${quoteIdent(t)}`);
      return;
    }
    await m.up({ role: group, member, inherit: false });
    const can = async () =>
      (await one("SELECT has_table_privilege($1, $2, 'SELECT') AS ok", [member, `public.${quoteIdent(t)}`]))
        .ok;
    expect(await can()).to.equal(false);
    // Not inherited, but still usable through SET ROLE (throws if refused).
    await asRole(
      member,
      "pw",
      `SET ROLE ${quoteIdent(group)}; SELECT count(*)::int AS n FROM public.${quoteIdent(t)}`,
    );
    expect(await m.up({ role: group, member, inherit: true })).to.equal("update");
    expect(await can()).to.equal(true);
    expect(await m.up({ role: group, member, inherit: true, set: false })).to.equal("update");
    expect(
      await asRole(member, "pw", `SET ROLE ${quoteIdent(group)}`).catch((e: Error) => e.message),
    ).to.match(/permission denied/);
    await q(`GRANT ${quoteIdent(group)} TO ${quoteIdent(member)} WITH SET TRUE`);
    await m.refresh();
    expect(m.outs).to.include({ set: true, inherit: true });
    expect(await m.up({ role: group, member, inherit: true, set: false })).to.equal("update");
    expect(await m.up({ role: group, member, inherit: true, set: false })).to.equal("same");
    await m.destroy();
    await q(`DROP TABLE public.${quoteIdent(t)}`);
  });
});
