/**
 * The impact command without a server: reading preview JSON (the shape the real CLI writes, see
 * test/e2e/impact.test.ts for the real thing), the simulation of each resource kind on a small
 * model, the finding levels, `--fail-on` exit statuses, the argument parsing and the Markdown.
 */
import { expect } from "chai";
import { type AccessModel, type ModelObject, type ModelRole, PUBLIC_ID } from "../../provider/queries/model";
import { type PlannedStep, TYPE_PREFIX, UNKNOWN, parsePreview } from "../../provider/impact/preview";
import { simulate } from "../../provider/impact/simulate";
import { EXIT_FINDINGS, buildImpact, exitStatus, reaches } from "../../provider/impact/report";
import { formatImpactMarkdown, formatImpactText } from "../../provider/impact/render";
import { UsageError, parseArgs } from "../../provider/cli/args";
import { main } from "../../provider/cli/main";

const role = (id: string, name: string, extra: Partial<ModelRole> = {}): ModelRole => ({
  id,
  name,
  superuser: false,
  createrole: false,
  createdb: false,
  login: false,
  replication: false,
  inherit: true,
  bypassrls: false,
  connection_limit: -1,
  valid_until: null,
  has_password: false,
  system: false,
  ...extra,
});

const OWNER = "10";
const table = (oid: string, name: string): ModelObject => ({
  object_type: "table",
  oid,
  schema: "app",
  name,
  column: null,
  owner: OWNER,
  acl: null,
  def: ["SELECT", "INSERT", "UPDATE", "DELETE"].map((p) => ({
    grantee: OWNER,
    grantor: OWNER,
    privilege: p,
    grantable: false,
  })),
  system: false,
});

function model(): AccessModel {
  return {
    version: 170000,
    database: "db",
    user: OWNER,
    superuser: true,
    bootstrap: OWNER,
    databaseOwner: OWNER,
    roles: [
      role(OWNER, "postgres", { superuser: true, login: true }),
      role("100", "readers"),
      role("101", "alice", { login: true }),
      role("102", "bob", { login: true, valid_until: "2030-01-01T00:00:00Z" }),
    ],
    memberships: [{ role: "100", member: "101", grantor: OWNER, admin: false, inherit: true, set: true }],
    objects: [
      {
        object_type: "schema",
        oid: "2200",
        schema: "app",
        name: "app",
        column: null,
        owner: OWNER,
        acl: null,
        def: [],
        system: false,
      },
      table("300", "orders"),
      table("301", "customers"),
    ],
    defaultAcls: [],
    builtinDefaults: {
      table: { owner: ["SELECT", "INSERT"], public: [] },
      sequence: { owner: ["USAGE"], public: [] },
      function: { owner: ["EXECUTE"], public: ["EXECUTE"] },
      type: { owner: ["USAGE"], public: ["USAGE"] },
      schema: { owner: ["USAGE", "CREATE"], public: [] },
    },
    rowLevelSecurity: [
      { schema: "app", table: "orders", enabled: true, force: false },
      { schema: "app", table: "customers", enabled: false, force: false },
    ],
    policies: [
      {
        schema: "app",
        table: "orders",
        name: "own",
        command: "SELECT",
        permissive: true,
        roles: ["100"],
        using: "true",
        with_check: null,
      },
    ],
  };
}

const urn = (kind: string, name: string) => `urn:pulumi:dev::p::${TYPE_PREFIX}${kind}::${name}`;
const step = (
  op: PlannedStep["op"],
  kind: PlannedStep["kind"],
  name: string,
  news?: object,
  olds?: object,
): PlannedStep => ({
  op,
  kind,
  urn: urn(kind, name),
  name,
  news: news as Record<string, unknown> | undefined,
  olds: olds as Record<string, unknown> | undefined,
  dependencies: [],
});
/** A Privileges resource's checked inputs: no entries, additive, unless `fields` says otherwise. */
const privileges = (fields: object) => ({ grants: {}, cascade: false, unmanaged: [], ...fields });
const grant = (role: string, privileges: string[], extra: object = {}) => ({
  role,
  objectType: "table",
  schema: "app",
  privileges,
  withGrantOption: false,
  cascade: false,
  ...extra,
});

function impact(steps: PlannedStep[], before = model()) {
  const result = simulate(before, steps);
  return buildImpact(before, result, { steps, otherChanges: [], unchanged: 0 });
}
const codes = (r: ReturnType<typeof impact>) => r.findings.map((f) => `${f.level} ${f.code}`);

describe("impact: preview JSON", () => {
  it("keeps this package's steps in order, with old outputs and new inputs; counts the others", () => {
    const json = JSON.stringify({
      steps: [
        {
          op: "same",
          urn: "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev",
          newState: { type: "pulumi:pulumi:Stack" },
        },
        {
          op: "update",
          urn: urn("Grant", "g"),
          oldState: {
            type: `${TYPE_PREFIX}Grant`,
            outputs: { __provider: "x", role: "a", privileges: ["SELECT"] },
          },
          newState: {
            type: `${TYPE_PREFIX}Grant`,
            inputs: { __provider: "x", role: "a", privileges: ["SELECT", "INSERT"] },
            dependencies: ["u"],
          },
        },
        {
          op: "create",
          urn: "urn:pulumi:dev::p::aws:s3/bucket:Bucket::b",
          newState: { type: "aws:s3/bucket:Bucket" },
        },
        { op: "same", urn: urn("Role", "r"), newState: { type: `${TYPE_PREFIX}Role` } },
      ],
    });
    const p = parsePreview(json);
    expect(p.steps).to.deep.equal([
      {
        op: "update",
        kind: "Grant",
        urn: urn("Grant", "g"),
        name: "g",
        olds: { role: "a", privileges: ["SELECT"] },
        news: { role: "a", privileges: ["SELECT", "INSERT"] },
        replaceReasons: undefined,
        dependencies: ["u"],
      },
    ]);
    expect(p.otherChanges).to.deep.equal([
      { op: "create", type: "aws:s3/bucket:Bucket", urn: "urn:pulumi:dev::p::aws:s3/bucket:Bucket::b" },
    ]);
    expect(p.unchanged).to.equal(1);
  });

  it("says clearly what is not a preview", () => {
    expect(() => parsePreview("Previewing update (dev)")).to.throw(/not JSON/);
    expect(() => parsePreview('{"steps": 3}')).to.throw(/no list of steps/);
    expect(() => parsePreview('{"diagnostics":[{"severity":"error","message":"boom"}]}')).to.throw(
      /preview failed: boom/,
    );
  });
});

describe("impact: simulation and findings", () => {
  it("a grant to a group: its login members gain, with the path; nothing marked", () => {
    const r = impact([step("create", "Grant", "g", grant("readers", ["SELECT"], { objects: ["orders"] }))]);
    const alice = r.roles.find((x) => x.role === "alice")!;
    expect(
      alice.privileges.map((p) => `${p.change} ${p.object} ${p.privilege} ${p.via.join(">")}`),
    ).to.deep.equal(["gained orders SELECT alice>readers"]);
    expect(r.findings).to.deep.equal([]);
    expect(exitStatus(r, "medium")).to.equal(0);
    expect(exitStatus(r, "change")).to.equal(EXIT_FINDINGS);
  });

  it("marks each kind of finding at its level", () => {
    const r = impact([
      step(
        "update",
        "Role",
        "bob",
        { name: "bob", login: true, superuser: true, validUntil: "2030-01-01T00:00:00Z" },
        { name: "bob", oid: 102, login: true },
      ),
      step(
        "update",
        "Role",
        "alice",
        { name: "alice", login: true, bypassRowLevelSecurity: true, createRole: true, replication: true },
        { name: "alice", oid: 101, login: true },
      ),
      step("create", "Grant", "pub", grant("PUBLIC", ["SELECT"], { objects: ["customers"] })),
      step(
        "create",
        "Grant",
        "opt",
        grant("readers", ["DELETE"], { objects: ["orders"], withGrantOption: true }),
      ),
      step("create", "RoleMembership", "adm", { role: "readers", member: "bob", withAdmin: true }),
      step(
        "update",
        "RowLevelSecurity",
        "rls",
        { table: "orders", schema: "app", enabled: false, force: false },
        {
          table: "orders",
          schema: "app",
          enabled: true,
          force: false,
          previousEnabled: false,
          previousForce: false,
        },
      ),
    ]);
    expect(codes(r)).to.include.members([
      "high superuser",
      "high bypassrls",
      "high createrole",
      "high replication",
      "high public",
      "high rls-disabled-with-policies",
      "medium grant-option",
      "medium admin-option",
      "medium login-write-no-expiry",
    ]);
    // high before medium
    const levels = r.findings.map((f) => f.level);
    expect(levels.indexOf("medium")).to.be.greaterThan(levels.lastIndexOf("high"));
    expect(exitStatus(r, "high")).to.equal(EXIT_FINDINGS);
    expect(exitStatus(r, undefined)).to.equal(0);
  });

  it("medium findings fail --fail-on medium and change, not high", () => {
    const r = impact([
      step("create", "RoleMembership", "adm", { role: "readers", member: "bob", withAdmin: true }),
    ]);
    expect(codes(r)).to.deep.equal(["medium admin-option"]);
    expect([reaches(r, "high"), reaches(r, "medium"), reaches(r, "change")]).to.deep.equal([
      false,
      true,
      true,
    ]);
  });

  it("a login role with a password expiry gaining write is not marked; one without is", () => {
    const r = impact([
      step("create", "Grant", "w1", grant("bob", ["INSERT"], { objects: ["orders"] })),
      step("create", "Grant", "w2", grant("alice", ["INSERT"], { objects: ["orders"] })),
    ]);
    expect(r.findings.map((f) => f.role)).to.deep.equal(["alice"]);
  });

  /** alice (oid 101) holding SELECT on orders, renamed to alice2 by the plan's first step. */
  const aliceRenamed = () => {
    const before = model();
    before.objects[1]!.acl = [
      ...before.objects[1]!.def,
      { grantee: "101", grantor: OWNER, privilege: "SELECT", grantable: false },
    ];
    const rename = step(
      "update",
      "Role",
      "alice",
      { name: "alice2", login: true },
      { name: "alice", oid: 101, login: true },
    );
    return { before, rename };
  };

  it("rename: the role keeps its privileges (same role), a grant to the new name applies", () => {
    const { before, rename } = aliceRenamed();
    const r = impact(
      [rename, step("create", "Grant", "g", grant("alice2", ["UPDATE"], { objects: ["orders"] }))],
      before,
    );
    const a = r.roles.find((x) => x.role === "alice2")!;
    expect(a.renamedFrom).to.equal("alice");
    expect(a.privileges.map((p) => `${p.change} ${p.privilege}`)).to.deep.equal(["gained UPDATE"]);
  });

  it("rename: a grant removed in the same update, deleted after the rename by the old name, is revoked from the renamed role", () => {
    const { before, rename } = aliceRenamed();
    const r = impact(
      [rename, step("delete", "Grant", "g", undefined, grant("alice", ["SELECT"], { objects: ["orders"] }))],
      before,
    );
    const a = r.roles.find((x) => x.role === "alice2")!;
    expect(a.privileges.map((p) => `${p.change} ${p.privilege}`)).to.deep.equal(["lost SELECT"]);
    expect(r.notes).to.deep.equal([]);
  });

  it("unknown values and objects that do not exist yet are reported, not guessed", () => {
    const r = impact([
      step("create", "Grant", "u", grant(UNKNOWN, ["SELECT"], { objects: ["orders"] })),
      step("create", "Grant", "m", grant("alice", ["SELECT"], { objects: ["later"] })),
    ]);
    expect(r.notes.map((n) => n.reason)).to.deep.equal(["unknown", "missing"]);
    expect(codes(r)).to.deep.equal(["medium not-simulated", "medium not-simulated"]);
    expect(formatImpactMarkdown(r)).to.contain("What this report cannot tell");
  });

  it("default privileges: a global entry revoking EXECUTE from PUBLIC; PUBLIC gaining is marked", () => {
    const r = impact([
      step("create", "DefaultPrivileges", "x", {
        role: "PUBLIC",
        owner: "alice",
        objectType: "function",
        privileges: [],
        withGrantOption: false,
      }),
      step("create", "DefaultPrivileges", "y", {
        role: "PUBLIC",
        owner: "bob",
        objectType: "table",
        schema: "app",
        privileges: ["SELECT"],
        withGrantOption: false,
      }),
    ]);
    expect(
      r.defaultPrivileges.map((d) => `${d.change} ${d.owner} ${d.grantee} ${d.privilege}`),
    ).to.deep.equal(["revoked alice PUBLIC EXECUTE", "granted bob PUBLIC SELECT"]);
    expect(codes(r)).to.deep.equal(["high public"]);
  });

  it("a role dropped that still holds privileges: the update would fail, and the report says so", () => {
    const before = model();
    before.objects[1]!.acl = [
      ...before.objects[1]!.def,
      { grantee: "102", grantor: OWNER, privilege: "SELECT", grantable: false },
    ];
    const r = impact(
      [step("delete", "Role", "bob", undefined, { name: "bob", oid: 102, login: true })],
      before,
    );
    expect(r.notes.map((n) => `${n.reason} ${n.message}`)).to.deep.equal([
      "failure role bob still holds or granted privileges on table app.orders: DROP ROLE fails (set reassignOwnedTo and/or dropOwned)",
    ]);
  });

  it("Markdown: summary line, findings, then per role a table; long lists folded", () => {
    const before = model();
    for (let i = 0; i < 12; i++) before.objects.push(table(`4${i}`, `t${i}`));
    const r = impact([step("create", "Grant", "all", grant("PUBLIC", ["SELECT"]))], before);
    const md = formatImpactMarkdown(r);
    const lines = md.split("\n");
    expect(lines[0]).to.equal("### Access impact");
    expect(lines[2]).to.match(/^\*\*\d+ roles? affected · \d+ privileges? gained, 0 lost · \d+ high/);
    expect(md.indexOf("#### Marked findings")).to.be.lessThan(md.indexOf("#### Roles"));
    expect(md).to.contain("<details><summary>");
    expect(formatImpactText(r)).to.match(/^Access impact: /);
    expect(r.public.length).to.equal(14);
    expect(PUBLIC_ID).to.equal("0");
  });
});

describe("impact: command line", () => {
  it("parses impact's arguments and rejects what does not apply", () => {
    const a = parseArgs([
      "impact",
      "preview.json",
      "--format",
      "markdown",
      "--fail-on",
      "high",
      "--all-roles",
    ]);
    expect([a.command, a.preview, a.format, a.failOn, a.allRoles]).to.deep.equal([
      "impact",
      "preview.json",
      "markdown",
      "high",
      true,
    ]);
    expect(parseArgs(["impact"]).format).to.equal("text");
    expect(parseArgs(["impact", "-"]).preview).to.equal("-");
    expect(() => parseArgs(["impact", "--format", "html"])).to.throw(UsageError, /text, markdown, json/);
    expect(() => parseArgs(["impact", "--fail-on", "low"])).to.throw(UsageError, /high, medium, change/);
    expect(() => parseArgs(["audit", "--fail-on", "high"])).to.throw(UsageError, /for impact/);
    expect(() => parseArgs(["impact", "a.json", "b.json"])).to.throw(UsageError, /unexpected argument/);
  });

  it("exit status 1 with one line for input that is not a preview, 2 for a usage error", async () => {
    let err = "";
    const io = { stdout: () => undefined, stderr: (s: string) => (err += s), stdin: async () => "not json" };
    expect(await main(["impact"], io)).to.equal(1);
    expect(err).to.match(/^error: the preview is not JSON/);
    expect(await main(["impact", "--fail-on"], io)).to.equal(2);
  });
});

describe("impact: Privileges (authoritative), by the resource's own planner", () => {
  it("revokes a hand-made grant in its authoritative scope", () => {
    const before = model();
    before.roles.push(role("103", "hand", { login: true, valid_until: "2030-01-01T00:00:00Z" }));
    before.objects[1]!.acl = [
      ...before.objects[1]!.def,
      { grantee: "103", grantor: OWNER, privilege: "SELECT", grantable: false },
    ];
    const entry = {
      role: "readers",
      objectType: "table",
      schema: "app",
      privileges: ["SELECT"],
      withGrantOption: false,
    };
    const r = impact(
      [
        step(
          "create",
          "Privileges",
          "p",
          privileges({
            grants: { "readers table app.*": entry },
            authoritative: { schemas: ["app"], roles: [] },
          }),
        ),
      ],
      before,
    );
    expect(r.notes).to.deep.equal([]);
    const hand = r.roles.find((x) => x.role === "hand")!;
    expect(hand.privileges.map((p) => `${p.change} ${p.object} ${p.privilege}`)).to.deep.equal([
      "lost orders SELECT",
    ]);
    const alice = r.roles.find((x) => x.role === "alice")!;
    expect(alice.privileges.map((p) => `${p.change} ${p.object} ${p.privilege}`).sort()).to.deep.equal([
      "gained customers SELECT",
      "gained orders SELECT",
    ]);
  });
});

describe("impact: Privileges defaultPrivileges, by the resource's own planner", () => {
  it("future objects: granted to an entry's grantee, a hand-made default in the authoritative schema revoked, existing objects untouched", () => {
    const before = model();
    before.defaultAcls.push({
      owner: OWNER,
      schema: "app",
      object_type: "table",
      acl: [{ grantee: "102", grantor: OWNER, privilege: "DELETE", grantable: false }],
    });
    const entry = {
      owner: "postgres",
      schema: "app",
      role: "readers",
      objectType: "table",
      privileges: ["SELECT"],
      withGrantOption: false,
    };
    const r = impact(
      [
        step(
          "create",
          "Privileges",
          "p",
          privileges({
            defaultPrivileges: { "readers: future tables of postgres in app": entry },
            authoritative: { schemas: ["app"], roles: [] },
          }),
        ),
      ],
      before,
    );
    expect(r.notes).to.deep.equal([]);
    expect(
      r.defaultPrivileges.map((d) => `${d.change} ${d.owner} ${d.schema} ${d.grantee} ${d.privilege}`),
    ).to.deep.equal(["revoked postgres app bob DELETE", "granted postgres app readers SELECT"]);
    expect(r.roles.flatMap((x) => x.privileges)).to.deep.equal([]);
  });

  it("an owner whose default privileges the admin may not change: the apply fails, and the report says so", () => {
    const before = model();
    before.superuser = false;
    before.user = "101"; // alice: no membership in bob
    const r = impact(
      [
        step(
          "create",
          "Privileges",
          "p",
          privileges({
            defaultPrivileges: {
              "alice: future tables of bob": {
                owner: "bob",
                role: "alice",
                objectType: "table",
                privileges: ["SELECT"],
                withGrantOption: false,
              },
            },
          }),
        ),
      ],
      before,
    );
    expect(r.notes.map((n) => `${n.reason} ${n.message}`)).to.deep.equal([
      "failure the admin may not change the default privileges of bob: the create fails",
    ]);
  });
});

describe("impact: Roles (many roles in one resource)", () => {
  const rolesStep = (op: PlannedStep["op"], news?: object, olds?: object, diffReasons?: string[]) => ({
    ...step(op, "Roles", "estate", news, olds),
    diffReasons,
  });
  const olds = {
    roles: { alice: {}, ops: {} },
    oids: { alice: 101, ops: 103 },
    adoptExisting: true,
    dropOwned: false,
  };
  const withOps = (): AccessModel => {
    const m = model();
    m.roles.push(role("103", "ops", { login: true }));
    return m;
  };

  it("an update: a rename through `name`, CREATEROLE, a login role put in a group by inRoles, a role created", () => {
    const r = impact(
      [
        rolesStep(
          "update",
          {
            roles: {
              alice: { login: true, createRole: true, inRoles: ["operators"] },
              ops: { name: "operators" },
              svc: { login: true },
            },
            adoptExisting: true,
            dropOwned: false,
          },
          olds,
          ["roles"],
        ),
      ],
      withOps(),
    );
    expect(r.notes).to.deep.equal([]);
    const alice = r.roles.find((x) => x.role === "alice")!;
    expect(alice.attributes.map((a) => a.attribute)).to.deep.equal(["CREATEROLE"]);
    expect(alice.memberships.map((x) => `${x.change} ${x.role}`)).to.deep.equal(["gained operators"]);
    expect(r.findings.map((f) => f.code)).to.include("createrole");
    expect(r.roles.find((x) => x.role === "operators")?.renamedFrom).to.equal("ops");
    expect(r.roles.find((x) => x.role === "svc")?.status).to.equal("new");
  });

  it("authoritative memberships revoke a group no inRoles lists; a removed key drops its role", () => {
    const r = impact(
      [
        rolesStep(
          "update",
          {
            roles: { alice: {} },
            authoritative: { memberships: true },
            adoptExisting: true,
            dropOwned: false,
          },
          olds,
          ["roles", "authoritative"],
        ),
      ],
      withOps(),
    );
    const alice = r.roles.find((x) => x.role === "alice")!;
    expect(alice.memberships.map((x) => `${x.change} ${x.role}`)).to.deep.equal(["lost readers"]);
    expect(r.roles.find((x) => x.role === "ops")?.status).to.equal("dropped");
  });

  it("a role to create that exists already fails the whole step without adoptExisting; secret passwords are noted", () => {
    const r = impact(
      [
        rolesStep("create", {
          roles: { bob: { superuser: true }, carol: {} },
          adoptExisting: false,
          dropOwned: false,
        }),
      ],
      withOps(),
    );
    expect(r.notes.map((n) => n.reason)).to.deep.equal(["failure"]);
    expect(r.roles.find((x) => x.role === "bob")?.attributes ?? []).to.deep.equal([]);
    const s = impact(
      [
        rolesStep("create", {
          roles: { carol: { login: true } },
          passwords: "[secret]",
          adoptExisting: false,
          dropOwned: false,
        }),
      ],
      withOps(),
    );
    expect(s.notes.map((n) => n.reason)).to.deep.equal(["partial"]);
  });
});
