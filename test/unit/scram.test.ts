import { expect } from "chai";
import { createHash, createHmac, pbkdf2Sync } from "node:crypto";
import {
  SCRAM_ITERATIONS,
  pgSaslprep,
  scramVerifier,
  scramVerifierAsync,
  verifierMatches,
  verifierMatchesAsync,
} from "../../provider/common/scram";

const VERIFIER_RE =
  /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2}):([A-Za-z0-9+/]+={0,2})$/;

function parts(v: string): { iterations: number; salt: Buffer; storedKey: Buffer; serverKey: Buffer } {
  const m = VERIFIER_RE.exec(v);
  if (!m) throw new Error(`not a SCRAM verifier: ${v}`);
  return {
    iterations: Number(m[1]),
    salt: Buffer.from(m[2]!, "base64"),
    storedKey: Buffer.from(m[3]!, "base64"),
    serverKey: Buffer.from(m[4]!, "base64"),
  };
}

const hmac = (key: Buffer, data: string) => createHmac("sha256", key).update(data).digest();
const md5 = (s: string) => "md5" + createHash("md5").update(s).digest("hex");

describe("scram", () => {
  describe("scramVerifier", () => {
    it("has PostgreSQL's format: 4096 iterations, a 16-byte salt, 32-byte keys", () => {
      const v = scramVerifier("secret");
      expect(v).to.match(VERIFIER_RE);
      const p = parts(v);
      expect(SCRAM_ITERATIONS).to.equal(4096);
      expect(p.iterations).to.equal(4096);
      expect(p.salt.length).to.equal(16);
      expect(p.storedKey.length).to.equal(32);
      expect(p.serverKey.length).to.equal(32);
    });

    it("uses a fresh salt each time", () => {
      expect(parts(scramVerifier("secret")).salt.equals(parts(scramVerifier("secret")).salt)).to.equal(false);
    });

    it("is deterministic with a fixed salt", () => {
      const salt = Buffer.from("0123456789abcdef");
      expect(scramVerifier("secret", salt)).to.equal(scramVerifier("secret", salt));
      expect(scramVerifier("secret", salt)).to.not.equal(scramVerifier("secret2", salt));
      expect(scramVerifier("secret", salt)).to.match(/^SCRAM-SHA-256\$4096:MDEyMzQ1Njc4OWFiY2RlZg==\$/);
    });

    it("honours a custom iteration count", () => {
      const v = scramVerifier("secret", Buffer.alloc(16, 7), 1000);
      expect(parts(v).iterations).to.equal(1000);
      expect(verifierMatches(v, "secret", "any")).to.equal(true);
    });

    it('computes StoredKey and ServerKey of "pencil" with a zero salt like an independent computation', () => {
      const salt = Buffer.alloc(16);
      const salted = pbkdf2Sync("pencil", salt, 4096, 32, "sha256");
      const clientKey = hmac(salted, "Client Key");
      const storedKey = createHash("sha256").update(clientKey).digest();
      const serverKey = hmac(salted, "Server Key");
      const expected = `SCRAM-SHA-256$4096:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
      expect(expected.startsWith("SCRAM-SHA-256$4096:AAAAAAAAAAAAAAAAAAAAAA==$")).to.equal(true);
      expect(scramVerifier("pencil", salt)).to.equal(expected);
    });

    it("produces keys that complete the RFC 7677 example exchange", () => {
      // RFC 7677 section 3: user "user", password "pencil".
      const salt = Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64");
      const { storedKey, serverKey } = parts(scramVerifier("pencil", salt));
      const clientFirstBare = "n=user,r=rOprNGfwEbeRWgbNEkqO";
      const serverFirst =
        "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
      const clientFinalWithoutProof = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
      const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
      // The server's signature, as the RFC's server-final-message "v=" has it.
      expect(hmac(serverKey, authMessage).toString("base64")).to.equal(
        "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
      );
      // The client's proof verifies against StoredKey: H(proof XOR HMAC(StoredKey, AuthMessage)) = StoredKey.
      const proof = Buffer.from("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", "base64");
      const signature = hmac(storedKey, authMessage);
      const clientKey = Buffer.from(proof.map((b, i) => b ^ signature[i]!));
      expect(createHash("sha256").update(clientKey).digest().equals(storedKey)).to.equal(true);
    });
  });

  describe("verifierMatches", () => {
    it("is true for the right password and false for a wrong one (SCRAM)", () => {
      const v = scramVerifier("correct horse");
      expect(verifierMatches(v, "correct horse", "alice")).to.equal(true);
      expect(verifierMatches(v, "correct horse ", "alice")).to.equal(false);
      expect(verifierMatches(v, "Correct horse", "alice")).to.equal(false);
      expect(verifierMatches(v, "", "alice")).to.equal(false);
    });

    it("applies SASLprep on both sides (no-break space equals space)", () => {
      const v = scramVerifier("pass word é");
      expect(verifierMatches(v, "pass\u00a0word é", "alice")).to.equal(true);
    });

    it("is false for a verifier whose keys do not match", () => {
      const v = scramVerifier("pw", Buffer.alloc(16, 1));
      const other = scramVerifier("pw2", Buffer.alloc(16, 1));
      const mixed = `${v.split(":").slice(0, 2).join(":")}:${other.split(":")[2]}`;
      expect(verifierMatches(mixed, "pw", "alice")).to.equal(false);
    });

    it("checks MD5 verifiers as md5(password || role name)", () => {
      const stored = md5("secretalice");
      expect(stored).to.match(/^md5[0-9a-f]{32}$/);
      expect(verifierMatches(stored, "secret", "alice")).to.equal(true);
      expect(verifierMatches(stored, "wrong", "alice")).to.equal(false);
      expect(verifierMatches(stored, "secret", "bob")).to.equal(false);
    });

    it("returns undefined for formats it does not know", () => {
      expect(verifierMatches("plaintext", "plaintext", "alice")).to.equal(undefined);
      expect(verifierMatches("SCRAM-SHA-256$bad", "x", "alice")).to.equal(undefined);
      expect(verifierMatches("MD5" + "0".repeat(32), "x", "alice")).to.equal(undefined);
      expect(verifierMatches("md5" + "0".repeat(31), "x", "alice")).to.equal(undefined);
      expect(verifierMatches("", "", "alice")).to.equal(undefined);
    });
  });

  describe("the asynchronous forms (PBKDF2 on the thread pool, for many roles at once)", () => {
    it("compute what the synchronous ones do", async () => {
      const password = "pässword\u00a0x";
      const v = await scramVerifierAsync(password);
      expect(v).to.match(new RegExp(`^SCRAM-SHA-256\\$${SCRAM_ITERATIONS}:`));
      expect(verifierMatches(v, password, "r")).to.equal(true);
      expect(await verifierMatchesAsync(scramVerifier(password), password, "r")).to.equal(true);
      expect(await verifierMatchesAsync(v, "other", "r")).to.equal(false);
      const md5 = "md5" + createHash("md5").update("pwr").digest("hex");
      expect(await verifierMatchesAsync(md5, "pw", "r")).to.equal(true);
      expect(await verifierMatchesAsync("plain", "pw", "r")).to.equal(undefined);
    });
  });

  describe("pgSaslprep", () => {
    it("passes pure ASCII through unchanged, control characters included", () => {
      const ascii = "a b\u0007\u0001\u007f\t~";
      expect(pgSaslprep(ascii).equals(Buffer.from(ascii, "utf8"))).to.equal(true);
      expect(pgSaslprep("").equals(Buffer.alloc(0))).to.equal(true);
    });

    it("maps a non-ASCII space (U+00A0) to a space", () => {
      expect(pgSaslprep("a\u00a0b").toString("utf8")).to.equal("a b");
      expect(pgSaslprep("é\u2003x").toString("utf8")).to.equal("é x");
    });

    it("removes a soft hyphen (U+00AD)", () => {
      expect(pgSaslprep("ab\u00adcé").toString("utf8")).to.equal("abcé");
    });

    it("applies NFKC", () => {
      expect(pgSaslprep("\ufb01x").toString("utf8")).to.equal("fix");
      expect(pgSaslprep("e\u0301").toString("utf8")).to.equal("é");
    });

    it("keeps ordinary non-ASCII text", () => {
      expect(pgSaslprep("pässwörd").equals(Buffer.from("pässwörd", "utf8"))).to.equal(true);
    });

    it("falls back to the raw bytes for a prohibited character", () => {
      for (const p of ["é\u0007", "\ue000", "x\ue000y", "é\u0000"]) {
        expect(pgSaslprep(p).equals(Buffer.from(p, "utf8")), JSON.stringify(p)).to.equal(true);
      }
    });

    it("falls back to the raw bytes when mapping leaves nothing", () => {
      expect(pgSaslprep("\u00ad").equals(Buffer.from("\u00ad", "utf8"))).to.equal(true);
    });
  });
});
