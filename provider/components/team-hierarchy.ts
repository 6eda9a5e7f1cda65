import * as pulumi from "@pulumi/pulumi";
import type { ConnectionInput } from "../common/inputs";
import { Role } from "../role/resource";
import { ChildNames, PATTERNS, nameList } from "./common";

/** One team of a {@link TeamHierarchy}: a group role (NOLOGIN). */
export interface TeamSpec {
  /** The team's role name; also its key in `teams` and the `team` users name. A plain string. */
  name: string;
  /**
   * The team this one belongs to: its role is made a member of the parent's (`IN ROLE parent`), so
   * it inherits every privilege granted to the parent. Usually another team of the list (the
   * parent's role is then created first); a name that is not in the list is taken as an existing role.
   */
  parent?: string;
}

/** One user of a {@link TeamHierarchy}: a login role, member of its team. */
export interface TeamUserSpec {
  /** The user's role name; also its key in `users`. A plain string. */
  name: string;
  /** The user's password. Always treated as a secret; the server receives a SCRAM-SHA-256 verifier. */
  password: pulumi.Input<string>;
  /** The team the user is in (a `name` of `teams`); the user inherits the team's privileges and its parents'. */
  team: string;
}

/** Arguments of a {@link TeamHierarchy}. */
export interface TeamHierarchyArgs {
  /** The teams, in any order; parents before children is not required. */
  teams: TeamSpec[];
  /** Login users, each in one team. */
  users?: TeamUserSpec[];
  /** Where to connect, for every child; see ConnectionArgs for the precedence of resource, stack config and environment. */
  connection?: ConnectionInput;
}

/**
 * The reference document's team hierarchy as one resource: a group role per team, member of its
 * parent team (so a senior team inherits what the team above it may do), and login users in their
 * team. Grant privileges to the teams through `teams`, e.g.
 * `new Grant("eng-read", { role: hierarchy.teams.engineering.name, ... })`.
 */
export class TeamHierarchy extends pulumi.ComponentResource {
  /** The team roles, by team name. */
  public readonly teams: Record<string, Role>;
  /** The user roles, by user name. */
  public readonly users: Record<string, Role>;

  constructor(name: string, args: TeamHierarchyArgs, opts?: pulumi.ComponentResourceOptions) {
    super(`${PATTERNS}:TeamHierarchy`, name, {}, opts);
    if (!Array.isArray(args.teams)) throw new pulumi.ResourceError("teams must be an array", this);
    const users = args.users ?? [];
    if (!Array.isArray(users)) throw new pulumi.ResourceError("users must be an array", this);
    const teamNames = nameList(
      this,
      "teams (names)",
      args.teams.map((t) => t?.name),
      true,
    );
    nameList(
      this,
      "users (names)",
      users.map((u) => u?.name),
    );
    const inList = new Set(teamNames);
    for (const u of users) {
      if (!inList.has(u.team)) {
        throw new pulumi.ResourceError(`user "${u.name}": team "${u.team}" is not one of teams`, this);
      }
      if (u.password === undefined)
        throw new pulumi.ResourceError(`user "${u.name}": password is required`, this);
    }
    for (const t of args.teams) {
      if (t.parent !== undefined && (typeof t.parent !== "string" || t.parent === "")) {
        throw new pulumi.ResourceError(`team "${t.name}": parent must be a non-empty string`, this);
      }
      if (t.parent === t.name) throw new pulumi.ResourceError(`team "${t.name}" is its own parent`, this);
    }

    const names = new ChildNames(this, name);
    const { connection } = args;
    this.teams = {};
    // Parents first: a team waits for its parent's role through inRoles (an Output of its name).
    const pending = [...args.teams];
    while (pending.length > 0) {
      const ready = pending.findIndex(
        (t) => t.parent === undefined || !inList.has(t.parent) || this.teams[t.parent] !== undefined,
      );
      if (ready < 0) {
        throw new pulumi.ResourceError(
          `teams ${pending.map((t) => `"${t.name}"`).join(", ")} form a cycle of parents`,
          this,
        );
      }
      const [team] = pending.splice(ready, 1);
      const parent = team!.parent;
      const inRoles = parent === undefined ? [] : [inList.has(parent) ? this.teams[parent]!.name : parent];
      this.teams[team!.name] = new Role(
        names.next("team", team!.name),
        { name: team!.name, login: false, inRoles, connection },
        { parent: this },
      );
    }

    this.users = {};
    for (const u of users) {
      this.users[u.name] = new Role(
        names.next("user", u.name),
        {
          name: u.name,
          login: true,
          password: pulumi.secret(u.password),
          inRoles: [this.teams[u.team]!.name],
          connection,
        },
        { parent: this },
      );
    }
    this.registerOutputs({
      teams: Object.fromEntries(Object.entries(this.teams).map(([k, r]) => [k, r.name])),
      users: Object.fromEntries(Object.entries(this.users).map(([k, r]) => [k, r.name])),
    });
  }
}
