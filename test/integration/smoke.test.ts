import { expect } from "chai";
import { RoleProvider } from "../../provider";
import { Lifecycle } from "../support/engine";
import { roleRow, unique, tryLogin } from "../support/db";

describe("smoke", () => {
  it("creates a role", async () => {
    const name = unique("smoke");
    const r = new Lifecycle(new RoleProvider());
    expect(await r.up({ name, login: true, password: "s3cret-pw" })).to.equal("create");
    expect((await roleRow(name))?.rolcanlogin).to.equal(true);
    expect(await tryLogin(name, "s3cret-pw")).to.equal(undefined);
    await r.destroy();
    expect(await roleRow(name)).to.equal(undefined);
  });
});
