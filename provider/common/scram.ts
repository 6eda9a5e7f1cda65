/**
 * Client-side password verifiers, so that a plaintext password never travels to the server
 * (where `CREATE ROLE ... PASSWORD 'plaintext'` lands in logs, pg_stat_activity and
 * pg_stat_statements). PostgreSQL stores a string that already is a SCRAM-SHA-256 verifier as it is.
 * RFC 5802 / RFC 7677; the normalization follows PostgreSQL's own pg_saslprep.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import saslprepLib from "@mongodb-js/saslprep";

export const SCRAM_ITERATIONS = 4096;
const SALT_BYTES = 16;

/**
 * PostgreSQL's rule (src/common/saslprep.c): pure ASCII passes through unchanged; anything else
 * is SASLprep'ed (RFC 4013, unassigned code points prohibited), and when that fails (prohibited
 * characters, invalid bidi) the raw password bytes are used as they are.
 */
export function pgSaslprep(password: string): Buffer {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(password)) return Buffer.from(password, "utf8");
  try {
    const prepared = saslprepLib(password, { allowUnassigned: false });
    if (prepared.length === 0) return Buffer.from(password, "utf8");
    return Buffer.from(prepared, "utf8");
  } catch {
    return Buffer.from(password, "utf8");
  }
}

function hmac(key: Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

function keys(password: string, salt: Buffer, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  const salted = pbkdf2Sync(pgSaslprep(password), salt, iterations, 32, "sha256");
  const clientKey = hmac(salted, "Client Key");
  return {
    storedKey: createHash("sha256").update(clientKey).digest(),
    serverKey: hmac(salted, "Server Key"),
  };
}

/** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, with a fresh random salt. */
export function scramVerifier(
  password: string,
  salt: Buffer = randomBytes(SALT_BYTES),
  iterations = SCRAM_ITERATIONS,
): string {
  const { storedKey, serverKey } = keys(password, salt, iterations);
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

const SCRAM_RE = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

/**
 * Whether a stored verifier (pg_authid.rolpassword) accepts this password: SCRAM verifiers are
 * recomputed with their own salt and iteration count; MD5 ones as md5(password || role name).
 * Returns undefined for a format it does not know.
 */
export function verifierMatches(stored: string, password: string, roleName: string): boolean | undefined {
  const m = SCRAM_RE.exec(stored);
  if (m) {
    const { storedKey, serverKey } = keys(password, Buffer.from(m[2]!, "base64"), Number(m[1]));
    return (
      safeEqual(storedKey, Buffer.from(m[3]!, "base64")) && safeEqual(serverKey, Buffer.from(m[4]!, "base64"))
    );
  }
  if (/^md5[0-9a-f]{32}$/.test(stored)) {
    const expected =
      "md5" +
      createHash("md5")
        .update(password + roleName)
        .digest("hex");
    return safeEqual(Buffer.from(expected), Buffer.from(stored));
  }
  return undefined;
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
