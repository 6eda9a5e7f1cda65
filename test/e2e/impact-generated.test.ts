/**
 * Generated programs through the real CLI: fast-check draws a sequence of small programs (roles
 * with random attributes, renames and inRoles; memberships with ADMIN and, on 16+, INHERIT/SET;
 * grants on a schema, every table, named tables, a sequence, a routine by signature, a column, the
 * database, to roles and PUBLIC, with and without grant option; default privileges per schema and
 * global; row level security and a policy). Each program is applied on top of the previous one:
 * `pulumi preview --json`, the impact prediction, `pulumi up`, then the same oracle as impact.test.ts
 * (effective privileges by the SQL of effectivePrivileges, the rest by a fresh catalog read).
 *
 * The sequence is drawn up front from a seed (printed; PGR_IMPACT_SEED replays it) and not shrunk:
 * every case costs a real preview and up. PGR_IMPACT_CASES sets the number of programs (default 30; measured here: 6.6 s a program on a quiet machine, 31 s with the machine shared).
 * In the `matrix` group of scripts/ci-matrix.js (impact-<newest>).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { specArbitrary } from "./impact-specs";
import { expect } from "chai";
import { ImpactProject } from "./impact-harness";
import { findCli } from "./harness";
import { q, quoteIdent as qi, serverVersionNum, testServer, unique } from "../support/db";
import { expectPredicted, predict } from "../support/impact-oracle";

describe("e2e: impact of generated programs = what `pulumi up` does (fast-check, real CLI)", function () {
  this.timeout(1_800_000);
  const p = unique("gen");
  const s = `${p}_s`;
  let project: ImpactProject;

  before(async function () {
    const { cmd, reason } = await findCli();
    if (!cmd) {
      if (process.env.CI === "true") throw new Error(reason);
      this.skip();
    }
    await q(`CREATE SCHEMA ${qi(s)}`);
    await q(`CREATE TABLE ${qi(s)}.orders (id int, amount numeric)`);
    await q(`CREATE TABLE ${qi(s)}.customers (id int)`);
    await q(`CREATE SEQUENCE ${qi(s)}.seq`);
    await q(`CREATE FUNCTION ${qi(s)}.total(a integer) RETURNS int LANGUAGE sql AS 'SELECT 1'`);
    await q(`CREATE FUNCTION ${qi(s)}.total(a text) RETURNS int LANGUAGE sql AS 'SELECT 2'`);
    project = new ImpactProject("impactgen");
    await project.init();
  });

  after(async () => {
    if (!project || process.env.PGR_IMPACT_KEEP === "1") return;
    await project.destroy();
    project.remove();
    await q(`DROP SCHEMA IF EXISTS ${qi(s)} CASCADE`);
  });

  it("every generated program: prediction from the preview = the catalog after up", async () => {
    const seed = Number(process.env.PGR_IMPACT_SEED ?? Date.now() % 2 ** 31);
    const cases = Number(process.env.PGR_IMPACT_CASES ?? 30);
    const v16 = (await serverVersionNum()) >= 160000;
    const specs = fc.sample(specArbitrary(p, s, v16, testServer().database), { seed, numRuns: cases });
    console.log(`      [impact] seed ${seed}, ${cases} programs (PGR_IMPACT_SEED=${seed} replays them)`);
    const mine = (n: string) => n.startsWith(p);
    let simulated = 0;
    let compared = 0;
    let failures = 0;
    /** After a failed up: the stack forgotten, the roles of the test dropped with what they hold. */
    const clean = async () => {
      await project.restart();
      await q(`DROP POLICY IF EXISTS gen ON ${qi(s)}.orders`);
      await q(`ALTER TABLE ${qi(s)}.orders NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY`);
      for (const r of await q<{ rolname: string }>(
        "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)",
        [p],
      )) {
        await q(`DROP OWNED BY ${qi(r.rolname)}`);
        await q(`DROP ROLE ${qi(r.rolname)}`);
      }
    };
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i]!;
      const label = `seed ${seed} case ${i + 1}/${specs.length} (preview in ${project.dir}/last-preview.json): ${JSON.stringify(spec)}`;
      const json = await project.preview(spec);
      // Kept for the failure message: the preview of the failing case, to replay its prediction.
      writeFileSync(join(project.dir, "last-preview.json"), json);
      const { report, predicted } = await predict(json);
      // The real `up` succeeds on every generated program: the simulation must not predict a
      // failure, nor miss an object. What depends on the engine's order of independent steps is
      // reported as unknown: such a case is applied but not compared.
      const notes = report.notes.filter((n) => n.reason !== "partial");
      expect(
        notes.filter((n) => n.reason !== "unknown" && n.reason !== "failure"),
        label,
      ).to.deep.equal([]);
      if (notes.some((n) => n.reason === "failure")) {
        // Predicted to fail (e.g. a role dropped that still holds privileges): the real `up` must fail too.
        const failed = await project.up(spec).then(
          () => false,
          () => true,
        );
        expect(failed, `${label}: predicted failure ${JSON.stringify(notes)}`).to.equal(true);
        failures++;
        await clean();
        continue;
      }
      await project.up(spec);
      if (notes.length === 0) {
        await expectPredicted(predicted, mine, label);
        compared++;
      }
      simulated += report.summary.steps;
    }
    // The generated programs did change things (not a sequence of no-ops).
    expect(simulated).to.be.greaterThan(specs.length);
    expect(compared, "cases compared (the others: an unknown order, or a failure)").to.be.at.least(
      Math.ceil(specs.length / 3),
    );
    console.log(
      `      [impact] ${specs.length} programs, ${simulated} planned steps, ${compared} compared with the catalog, ${failures} predicted failures confirmed`,
    );
  });
});
