/**
 * Client-side password verifiers, so that a plaintext password never travels to the server
 * (where `CREATE ROLE ... PASSWORD 'plaintext'` lands in logs, pg_stat_activity and
 * pg_stat_statements). PostgreSQL stores a string that already is a SCRAM-SHA-256 verifier as it is.
 * RFC 5802 / RFC 7677; the normalization follows PostgreSQL's own pg_saslprep.
 */
import { createHash, createHmac, pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import saslprepLib from "@mongodb-js/saslprep";

export const SCRAM_ITERATIONS = 4096;
const pbkdf2Async = promisify(pbkdf2);
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

function keysOf(salted: Buffer): { storedKey: Buffer; serverKey: Buffer } {
  const clientKey = hmac(salted, "Client Key");
  return {
    storedKey: createHash("sha256").update(clientKey).digest(),
    serverKey: hmac(salted, "Server Key"),
  };
}

function keys(password: string, salt: Buffer, iterations: number): { storedKey: Buffer; serverKey: Buffer } {
  return keysOf(pbkdf2Sync(pgSaslprep(password), salt, iterations, 32, "sha256"));
}

/** The same keys, PBKDF2 on libuv's thread pool: many passwords (Roles) are computed side by side. */
async function keysAsync(
  password: string,
  salt: Buffer,
  iterations: number,
): Promise<{ storedKey: Buffer; serverKey: Buffer }> {
  return keysOf(await pbkdf2Async(pgSaslprep(password), salt, iterations, 32, "sha256"));
}

function format(iterations: number, salt: Buffer, k: { storedKey: Buffer; serverKey: Buffer }): string {
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${k.storedKey.toString("base64")}:${k.serverKey.toString("base64")}`;
}

/** `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, with a fresh random salt. */
export function scramVerifier(
  password: string,
  salt: Buffer = randomBytes(SALT_BYTES),
  iterations = SCRAM_ITERATIONS,
): string {
  return format(iterations, salt, keys(password, salt, iterations));
}

/** {@link scramVerifier} off the main thread: for many passwords at once (`Promise.all`). */
export async function scramVerifierAsync(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  return format(SCRAM_ITERATIONS, salt, await keysAsync(password, salt, SCRAM_ITERATIONS));
}

const SCRAM_RE = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

/**
 * Whether a stored verifier (pg_authid.rolpassword) accepts this password: SCRAM verifiers are
 * recomputed with their own salt and iteration count; MD5 ones as md5(password || role name).
 * Returns undefined for a format it does not know.
 */
export function verifierMatches(stored: string, password: string, roleName: string): boolean | undefined {
  const m = SCRAM_RE.exec(stored);
  if (m) return scramMatches(m, keys(password, Buffer.from(m[2]!, "base64"), Number(m[1])));
  return md5Matches(stored, password, roleName);
}

/** {@link verifierMatches} off the main thread: for many roles at once (`Promise.all`). */
export async function verifierMatchesAsync(
  stored: string,
  password: string,
  roleName: string,
): Promise<boolean | undefined> {
  const m = SCRAM_RE.exec(stored);
  if (m) return scramMatches(m, await keysAsync(password, Buffer.from(m[2]!, "base64"), Number(m[1])));
  return md5Matches(stored, password, roleName);
}

function scramMatches(m: RegExpExecArray, k: { storedKey: Buffer; serverKey: Buffer }): boolean {
  return (
    safeEqual(k.storedKey, Buffer.from(m[3]!, "base64")) &&
    safeEqual(k.serverKey, Buffer.from(m[4]!, "base64"))
  );
}

function md5Matches(stored: string, password: string, roleName: string): boolean | undefined {
  if (!/^md5[0-9a-f]{32}$/.test(stored)) return undefined;
  const expected =
    "md5" +
    createHash("md5")
      .update(password + roleName)
      .digest("hex");
  return safeEqual(Buffer.from(expected), Buffer.from(stored));
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
