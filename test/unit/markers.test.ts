/**
 * The inputs the creation markers and cluster identity add (resourceUrn, systemIdentifier) change
 * nothing for a stack written by an earlier version: check keeps them, diff never compares them.
 */
import { expect } from "chai";
import { checkRole, diffRole } from "../../provider/role/inputs";
import { checkPolicy, diffPolicy } from "../../provider/policy/inputs";
import { checkRowLevelSecurity, diffRowLevelSecurity } from "../../provider/row-level-security/inputs";

const URN = "urn:pulumi:dev::app::pulumi-nodejs:dynamic/postgres-roles:Role::reader";

describe("resourceUrn and systemIdentifier: no change for existing stacks", () => {
  it("Role: check keeps resourceUrn; diff ignores it and systemIdentifier (old state without them, or another URN)", () => {
    const { inputs, failures } = checkRole({ name: "reader", resourceUrn: URN });
    expect(failures).to.deep.equal([]);
    expect(inputs.resourceUrn).to.equal(URN);
    const old = { ...inputs };
    delete old.resourceUrn;
    expect(diffRole({ ...old, oid: 16384 }, inputs).changes).to.equal(false);
    expect(
      diffRole({ ...inputs, oid: 16384, systemIdentifier: "7" }, { ...inputs, resourceUrn: `${URN}-x` })
        .changes,
    ).to.equal(false);
  });

  it("Policy and RowLevelSecurity: the same", () => {
    const p = checkPolicy({ name: "p", table: "t", resourceUrn: URN });
    expect(p.failures).to.deep.equal([]);
    expect(p.inputs.resourceUrn).to.equal(URN);
    const oldP = { ...p.inputs };
    delete oldP.resourceUrn;
    expect(diffPolicy({ ...oldP, oid: 1 }, p.inputs).changes).to.equal(false);
    const r = checkRowLevelSecurity({ table: "t", resourceUrn: URN });
    expect(r.inputs.resourceUrn).to.equal(URN);
    const oldR = { ...r.inputs };
    delete oldR.resourceUrn;
    expect(
      diffRowLevelSecurity({ ...oldR, previousEnabled: false, previousForce: false }, r.inputs).changes,
    ).to.equal(false);
  });

  it("a resourceUrn that is not a string (unknown in a preview, say) is left out", () => {
    expect(checkRole({ name: "reader", resourceUrn: 5 }).inputs).to.not.have.property("resourceUrn");
  });
});
