/**
 * libpq's password file (~/.pgpass, PGPASSFILE, the `passfile` setting), read when no password is
 * given and the server asks for one. Each line is `hostname:port:database:username:password`; `*`
 * matches anything; `\:` and `\\` stand for `:` and `\`; lines starting with `#` are comments; the
 * first line that matches wins. As libpq does on Unix, a file that is not a plain file, or that
 * its group or others may read, is ignored (with the reason, which the error names if no password
 * is found).
 */
import { promises as fs } from "node:fs";
import { platform } from "node:os";

/** What a password file line is matched against: the connection as resolved. */
export interface PassfileTarget {
  host: string;
  port: number;
  database: string;
  user: string;
}

/** One field of a line, with its escapes undone; `rest` is what follows its ':' (undefined at end of line). */
function field(line: string): { value: string; wildcard: boolean; rest: string | undefined } {
  let value = "";
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "\\" && i + 1 < line.length) {
      value += line[++i];
    } else if (ch === ":") {
      return { value, wildcard: line.slice(0, i) === "*", rest: line.slice(i + 1) };
    } else {
      value += ch;
    }
  }
  return { value, wildcard: line === "*", rest: undefined };
}

/**
 * The password of the first line of `text` that matches `target`, or undefined. A host that is a
 * Unix socket folder is matched as written (libpq maps only its compiled-in default folder to
 * `localhost`); an empty password counts as none.
 */
export function passwordFromPassfile(text: string, target: PassfileTarget): string | undefined {
  const wanted = [target.host || "localhost", String(target.port), target.database, target.user];
  for (const raw of text.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line === "" || line.startsWith("#")) continue;
    let rest: string | undefined = line;
    let matches = true;
    for (const w of wanted) {
      if (rest === undefined) {
        matches = false;
        break;
      }
      const f = field(rest);
      if (!f.wildcard && f.value !== w) {
        matches = false;
        break;
      }
      rest = f.rest;
    }
    if (!matches || rest === undefined) continue;
    const password = field(rest).value;
    return password === "" ? undefined : password;
  }
  return undefined;
}

/** The password from the file, or why none: `{ password }` or `{ reason }`. */
export async function readPassfile(
  file: string,
  target: PassfileTarget,
): Promise<{ password: string } | { reason: string }> {
  let st;
  try {
    st = await fs.stat(file);
  } catch {
    return { reason: `password file "${file}" does not exist` };
  }
  if (!st.isFile()) return { reason: `password file "${file}" is not a plain file` };
  if (platform() !== "win32" && (st.mode & 0o077) !== 0) {
    return {
      reason: `password file "${file}" has group or world access; permissions should be u=rw (0600) or less (it was ignored)`,
    };
  }
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (e) {
    return { reason: `could not read password file "${file}": ${(e as Error).message}` };
  }
  const password = passwordFromPassfile(text, target);
  if (password === undefined) return { reason: `no line of password file "${file}" matches` };
  return { password };
}

/** The server asked for a password and there is none: not worth a retry, nor a fallback to another sslmode. */
export class NoPasswordError extends Error {
  constructor(target: PassfileTarget, reason: string) {
    super(
      `the server asks for a password for ${JSON.stringify(target.user)} and none was given ` +
        `(connection password, stack config postgres-roles:password, PGPASSWORD; ${reason})`,
    );
    this.name = "NoPasswordError";
  }
}
