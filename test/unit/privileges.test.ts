import { expect } from "chai";
import {
  allPrivileges,
  describeActual,
  expandPrivileges,
  invalidPrivileges,
  isObjectType,
  normalizeObjectType,
  normalizePrivileges,
  sameSet,
} from "../../provider/common/privileges";

const PG16 = 160000;
const PG17 = 170000;
const TABLE_16 = ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"];
const TABLE_17 = [...TABLE_16, "MAINTAIN"];

describe("privileges", () => {
  describe("object types", () => {
    it("normalizes any letter case and surrounding spaces", () => {
      expect(normalizeObjectType("TABLE")).to.equal("table");
      expect(normalizeObjectType(" Sequence ")).to.equal("sequence");
      expect(normalizeObjectType("routine")).to.equal("routine");
    });

    it("rejects unknown types and non-strings", () => {
      expect(normalizeObjectType("tables")).to.equal(undefined);
      expect(normalizeObjectType("view")).to.equal(undefined);
      expect(normalizeObjectType(3)).to.equal(undefined);
      expect(isObjectType("TABLE")).to.equal(false);
      expect(isObjectType("table")).to.equal(true);
    });
  });

  describe("normalizePrivileges", () => {
    it("upper-cases and trims", () => {
      expect(normalizePrivileges("table", ["select", " Insert "])).to.deep.equal(["SELECT", "INSERT"]);
    });

    it("resolves TEMP to TEMPORARY", () => {
      expect(normalizePrivileges("database", ["temp"])).to.deep.equal(["TEMPORARY"]);
      expect(normalizePrivileges("database", ["TEMP", "connect"])).to.deep.equal(["CONNECT", "TEMPORARY"]);
    });

    it('resolves "ALL PRIVILEGES" (any case and spacing) to ALL, which absorbs the rest', () => {
      expect(normalizePrivileges("table", ["all privileges"])).to.deep.equal(["ALL"]);
      expect(normalizePrivileges("table", ["All   Privileges"])).to.deep.equal(["ALL"]);
      expect(normalizePrivileges("table", ["SELECT", "all", "INSERT"])).to.deep.equal(["ALL"]);
    });

    it("removes duplicates, including alias duplicates", () => {
      expect(normalizePrivileges("table", ["SELECT", "select", " SELECT"])).to.deep.equal(["SELECT"]);
      expect(normalizePrivileges("database", ["TEMP", "TEMPORARY", "temp"])).to.deep.equal(["TEMPORARY"]);
    });

    it("sorts in documentation order", () => {
      expect(normalizePrivileges("table", ["MAINTAIN", "trigger", "delete", "select"])).to.deep.equal([
        "SELECT",
        "DELETE",
        "TRIGGER",
        "MAINTAIN",
      ]);
      expect(normalizePrivileges("sequence", ["update", "select", "usage"])).to.deep.equal([
        "USAGE",
        "SELECT",
        "UPDATE",
      ]);
      expect(normalizePrivileges("schema", ["create", "usage"])).to.deep.equal(["USAGE", "CREATE"]);
      expect(normalizePrivileges("database", ["temporary", "connect", "create"])).to.deep.equal([
        "CREATE",
        "CONNECT",
        "TEMPORARY",
      ]);
    });
  });

  describe("invalidPrivileges", () => {
    it("flags privileges of another object type", () => {
      expect(invalidPrivileges("table", ["EXECUTE"])).to.deep.equal(["EXECUTE"]);
      expect(invalidPrivileges("schema", ["CONNECT"])).to.deep.equal(["CONNECT"]);
      expect(invalidPrivileges("function", ["SELECT", "EXECUTE"])).to.deep.equal(["SELECT"]);
      expect(invalidPrivileges("database", ["USAGE"])).to.deep.equal(["USAGE"]);
    });

    it("accepts valid ones in any case, aliases and ALL", () => {
      expect(invalidPrivileges("table", ["maintain"])).to.deep.equal([]);
      expect(invalidPrivileges("sequence", ["usage", "Select", "UPDATE"])).to.deep.equal([]);
      expect(invalidPrivileges("database", ["temp", "connect"])).to.deep.equal([]);
      expect(invalidPrivileges("procedure", ["all privileges"])).to.deep.equal([]);
      expect(invalidPrivileges("schema", ["ALL"])).to.deep.equal([]);
    });

    it("returns the bad names as they were written, in input order", () => {
      expect(invalidPrivileges("table", ["select", "bogus", " Foo ", "EXECUTE"])).to.deep.equal([
        "bogus",
        " Foo ",
        "EXECUTE",
      ]);
    });
  });

  describe("allPrivileges", () => {
    it("has no MAINTAIN before PostgreSQL 17", () => {
      expect(allPrivileges("table", PG16)).to.deep.equal(TABLE_16);
      expect(allPrivileges("table", 169999)).to.deep.equal(TABLE_16);
    });

    it("has MAINTAIN from PostgreSQL 17", () => {
      expect(allPrivileges("table", PG17)).to.deep.equal(TABLE_17);
      expect(allPrivileges("table")).to.deep.equal(TABLE_17);
    });

    it("lists each type's privileges in documentation order", () => {
      expect(allPrivileges("database", PG16)).to.deep.equal(["CREATE", "CONNECT", "TEMPORARY"]);
      expect(allPrivileges("schema", PG16)).to.deep.equal(["USAGE", "CREATE"]);
      expect(allPrivileges("sequence", PG17)).to.deep.equal(["USAGE", "SELECT", "UPDATE"]);
      expect(allPrivileges("function", PG17)).to.deep.equal(["EXECUTE"]);
      expect(allPrivileges("procedure", PG17)).to.deep.equal(["EXECUTE"]);
      expect(allPrivileges("routine", PG17)).to.deep.equal(["EXECUTE"]);
    });
  });

  describe("expandPrivileges", () => {
    it("expands ALL for the server version", () => {
      expect(expandPrivileges("table", ["ALL"], PG16)).to.deep.equal(TABLE_16);
      expect(expandPrivileges("table", ["ALL"], PG17)).to.deep.equal(TABLE_17);
      expect(expandPrivileges("database", ["ALL"], PG17)).to.deep.equal(["CREATE", "CONNECT", "TEMPORARY"]);
    });

    it("returns a copy of a concrete list", () => {
      const input = ["SELECT", "INSERT"];
      const out = expandPrivileges("table", input, PG17);
      expect(out).to.deep.equal(["SELECT", "INSERT"]);
      expect(out).to.not.equal(input);
    });
  });

  describe("describeActual", () => {
    it("says ALL when the wanted ALL is held in full on PostgreSQL 16 (no MAINTAIN there)", () => {
      expect(describeActual("table", TABLE_16, ["ALL"], PG16)).to.deep.equal(["ALL"]);
    });

    it("says ALL when the wanted ALL is held in full on PostgreSQL 17 (with MAINTAIN)", () => {
      expect(describeActual("table", TABLE_17, ["ALL"], PG17)).to.deep.equal(["ALL"]);
    });

    it("does not say ALL on 17 when MAINTAIN is missing", () => {
      expect(describeActual("table", TABLE_16, ["ALL"], PG17)).to.deep.equal(TABLE_16);
    });

    it("keeps the user's explicit list when it equals the full set", () => {
      expect(describeActual("table", TABLE_16, TABLE_16, PG16)).to.deep.equal(TABLE_16);
      expect(describeActual("table", TABLE_17, TABLE_17, PG17)).to.deep.equal(TABLE_17);
      expect(describeActual("schema", ["CREATE", "USAGE"], ["USAGE", "CREATE"], PG17)).to.deep.equal([
        "USAGE",
        "CREATE",
      ]);
    });

    it("returns the desired spelling when the actual set means the same", () => {
      expect(
        describeActual("database", ["TEMPORARY", "CONNECT"], ["CONNECT", "TEMPORARY"], PG17),
      ).to.deep.equal(["CONNECT", "TEMPORARY"]);
      expect(describeActual("table", ["insert", "select"], ["SELECT", "INSERT"], PG17)).to.deep.equal([
        "SELECT",
        "INSERT",
      ]);
    });

    it("reports a partial set, normalized and in documentation order", () => {
      expect(
        describeActual("table", ["DELETE", "SELECT"], ["SELECT", "INSERT", "DELETE"], PG17),
      ).to.deep.equal(["SELECT", "DELETE"]);
      expect(describeActual("table", ["SELECT"], ["ALL"], PG16)).to.deep.equal(["SELECT"]);
      expect(describeActual("table", [], ["SELECT"], PG16)).to.deep.equal([]);
    });

    it("reports ALL when more than the desired list is held and it is the full set", () => {
      expect(describeActual("table", TABLE_16, ["SELECT"], PG16)).to.deep.equal(["ALL"]);
      expect(describeActual("sequence", ["UPDATE", "USAGE", "SELECT"], ["USAGE"], PG17)).to.deep.equal([
        "ALL",
      ]);
    });
  });

  describe("sameSet", () => {
    it("compares as sets of equal size", () => {
      expect(sameSet(["A", "B"], ["B", "A"])).to.equal(true);
      expect(sameSet(["A"], ["A", "B"])).to.equal(false);
      expect(sameSet(["A", "B"], ["A", "C"])).to.equal(false);
      expect(sameSet([], [])).to.equal(true);
    });
  });
});
