/**
 * The TLS options of one connection attempt, from the resolved connection, with libpq's meaning:
 *   - sslrootcert: when the file exists the server's chain is verified against it, whatever the
 *     sslmode (so require, prefer and allow verify too, as libpq does); verify-ca and verify-full
 *     fail without it; `system`: Node.js's trusted CAs (its bundled list and NODE_EXTRA_CA_CERTS);
 *   - verify-full also checks the host name against the certificate (DNS or IP subjectAltName);
 *   - sslcert: sent when the file exists (a missing file is no error, as in libpq); its key must
 *     exist then, and on Unix must not be readable by group or others (0600, or 0640 owned by root).
 * Files are read here, in the provider process, for each new connection: their contents never reach
 * the state, the output or an error message.
 */
import { promises as fs } from "node:fs";
import { platform } from "node:os";
import { type ConnectionOptions, checkServerIdentity } from "node:tls";
import type { ResolvedConnection } from "./connection";

/** A setting that makes TLS impossible (a missing root certificate for verify-*, a key file open to others). */
export class TlsSettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TlsSettingError";
  }
}

async function statOrMissing(file: string) {
  try {
    return await fs.stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new TlsSettingError(`could not open file "${file}": ${(e as Error).message}`);
  }
}

async function read(file: string, what: string): Promise<string> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (e) {
    throw new TlsSettingError(`could not read ${what} "${file}": ${(e as Error).message}`);
  }
}

/** libpq's check of the private key file's mode (fe-secure-openssl.c), on Unix. */
export function keyModeProblem(
  file: string,
  st: { mode: number; uid: number },
  euid: number,
): string | undefined {
  const openToOthers =
    (st.uid === euid && (st.mode & 0o077) !== 0) || (st.uid === 0 && (st.mode & 0o037) !== 0);
  if (!openToOthers) return undefined;
  return (
    `private key file "${file}" has group or world access; file must have permissions u=rw (0600) ` +
    "or less if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root"
  );
}

/** The `ssl` option of node-postgres for a TLS attempt to `c`. */
export async function tlsOptions(c: ResolvedConnection): Promise<ConnectionOptions> {
  const out: ConnectionOptions = {};
  const verifyHost = c.sslmode === "verify-full";
  if (c.sslrootcert === "system") {
    out.rejectUnauthorized = true;
  } else if (await statOrMissing(c.sslrootcert)) {
    out.ca = await read(c.sslrootcert, "root certificate file");
    out.rejectUnauthorized = true;
  } else if (c.sslmode === "verify-ca" || c.sslmode === "verify-full") {
    throw new TlsSettingError(
      `root certificate file "${c.sslrootcert}" does not exist; either provide the file (sslrootcert, ` +
        "PGSSLROOTCERT), use the system's trusted roots with sslrootcert=system, or change sslmode to " +
        "disable server certificate verification",
    );
  } else {
    out.rejectUnauthorized = false;
  }
  // node-postgres names the host to tls.connect; verify-full binds it here again, and verify-ca and
  // the modes below it (with a root certificate) check the chain only.
  out.checkServerIdentity = verifyHost
    ? (_servername, cert) => checkServerIdentity(c.host, cert)
    : () => undefined;

  const certStat = await statOrMissing(c.sslcert);
  if (certStat) {
    const keyStat = await statOrMissing(c.sslkey);
    if (!keyStat) throw new TlsSettingError(`certificate present, but not private key file "${c.sslkey}"`);
    if (!keyStat.isFile()) throw new TlsSettingError(`private key file "${c.sslkey}" is not a regular file`);
    const euid = process.geteuid?.();
    if (platform() !== "win32" && euid !== undefined) {
      const problem = keyModeProblem(c.sslkey, keyStat, euid);
      if (problem) throw new TlsSettingError(problem);
    }
    out.cert = await read(c.sslcert, "certificate file");
    out.key = await read(c.sslkey, "private key file");
  }
  return out;
}
