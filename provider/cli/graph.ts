/**
 * The role graph of an audit (member -> group edges) as Mermaid or Graphviz DOT text. Pure.
 * Login roles are rounded, superusers outlined in red; a membership that passes no privileges
 * (NOINHERIT, or WITH INHERIT FALSE on 16+) is dashed, the admin option labelled.
 */
import type { AuditReport, MembershipNode } from "./audit";

export interface GraphNode {
  id: string;
  name: string;
  login: boolean;
  superuser: boolean;
}
export interface GraphEdge {
  /** The member. */
  from: string;
  /** The group. */
  to: string;
  admin: boolean;
  inherit: boolean;
  set: boolean | null;
}
export interface RoleGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** Every role of the report plus every group or member its memberships mention; ids n0, n1, … */
export function roleGraph(report: AuditReport): RoleGraph {
  const nodes = new Map<string, GraphNode>();
  const info = new Map(report.roles.map((r) => [r.name, r]));
  const node = (name: string, login: boolean) => {
    let n = nodes.get(name);
    if (!n) {
      n = {
        id: `n${nodes.size}`,
        name,
        login: info.get(name)?.login ?? login,
        superuser: info.get(name)?.superuser ?? false,
      };
      nodes.set(name, n);
    }
    return n;
  };
  for (const r of report.roles) node(r.name, r.login);
  const edges = new Map<string, GraphEdge>();
  const walk = (parent: MembershipNode) => {
    const to = node(parent.role, parent.login);
    for (const m of parent.members) {
      const from = node(m.role, m.login);
      const k = `${from.id}>${to.id}`;
      if (!edges.has(k))
        edges.set(k, {
          from: from.id,
          to: to.id,
          admin: m.admin ?? false,
          inherit: m.inherit ?? true,
          set: m.set ?? null,
        });
      walk(m);
    }
  };
  report.memberships.forEach(walk);
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

/** Text inside a Mermaid "…" label: entity codes for the characters Mermaid interprets. */
export function mermaidLabel(s: string): string {
  return (
    s
      .replace(/#/g, "#35;")
      .replace(/&/g, "#38;")
      .replace(/"/g, "#quot;")
      .replace(/</g, "#lt;")
      .replace(/>/g, "#gt;")
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]/g, " ")
  );
}

export function formatMermaid(report: AuditReport): string {
  const g = roleGraph(report);
  const lines = ["graph LR"];
  for (const n of g.nodes) {
    const label = `"${mermaidLabel(n.name)}"`;
    lines.push(`  ${n.id}${n.login ? `([${label}])` : `[${label}]`}`);
  }
  for (const e of g.edges) {
    const tags = [
      e.admin ? "admin" : "",
      e.inherit ? "" : "no inherit",
      e.set === false ? "no set" : "",
    ].filter(Boolean);
    const text = tags.length ? `|"${tags.join(", ")}"|` : "";
    lines.push(`  ${e.from} ${e.inherit ? "-->" : "-.->"}${text} ${e.to}`);
  }
  lines.push("  classDef login fill:#e8f1fb,stroke:#3572b0;");
  lines.push("  classDef group fill:#f4f4f4,stroke:#777;");
  lines.push("  classDef superuser stroke:#c62828,stroke-width:3px;");
  const cls = (pred: (n: GraphNode) => boolean) => g.nodes.filter(pred).map((n) => n.id);
  const login = cls((n) => n.login);
  const group = cls((n) => !n.login);
  const sup = cls((n) => n.superuser);
  if (login.length) lines.push(`  class ${login.join(",")} login;`);
  if (group.length) lines.push(`  class ${group.join(",")} group;`);
  if (sup.length) lines.push(`  class ${sup.join(",")} superuser;`);
  return lines.join("\n") + "\n";
}

/** A DOT double-quoted string. */
export function dotString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r?\n/g, "\\n")}"`;
}

export function formatDot(report: AuditReport): string {
  const g = roleGraph(report);
  const lines = [
    "digraph roles {",
    "  rankdir=LR;",
    '  node [shape=box, style="rounded,filled", fillcolor="#f4f4f4", fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
  ];
  for (const n of g.nodes) {
    const attrs = [`label=${dotString(n.name)}`];
    if (n.login) attrs.push("shape=ellipse", 'fillcolor="#e8f1fb"');
    if (n.superuser) attrs.push('color="#c62828"', "penwidth=3");
    lines.push(`  ${n.id} [${attrs.join(", ")}];`);
  }
  for (const e of g.edges) {
    const attrs: string[] = [];
    const tags = [
      e.admin ? "admin" : "",
      e.inherit ? "" : "no inherit",
      e.set === false ? "no set" : "",
    ].filter(Boolean);
    if (tags.length) attrs.push(`label=${dotString(tags.join(", "))}`);
    if (!e.inherit) attrs.push("style=dashed");
    lines.push(`  ${e.from} -> ${e.to}${attrs.length ? ` [${attrs.join(", ")}]` : ""};`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}
