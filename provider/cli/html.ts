/**
 * `audit --format html`: one self-contained page (no network access, no external script): the
 * role graph as SVG (members on the left, their groups to the right) and a roles × objects matrix
 * of privileges with filters (role, object, schema, privilege, login roles only, inherited
 * privileges). The filters can be set from the URL fragment too (`#role=alice&object=orders`), so a
 * filtered view is a link. Pure: the report in, the page out.
 */
import type { AuditReport } from "./audit";
import { type RoleGraph, roleGraph } from "./graph";

/** Text for HTML and SVG content and attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** JSON safe inside a <script> element (no `</script>`, no `<!--`, no line separators). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** psql's ACL letters, for compact cells. */
export const LETTERS: Record<string, string> = {
  SELECT: "r",
  INSERT: "a",
  UPDATE: "w",
  DELETE: "d",
  TRUNCATE: "D",
  REFERENCES: "x",
  TRIGGER: "t",
  MAINTAIN: "m",
  EXECUTE: "X",
  USAGE: "U",
  CREATE: "C",
  CONNECT: "c",
  TEMPORARY: "T",
  SET: "s",
  "ALTER SYSTEM": "A",
};

interface Positioned {
  id: string;
  name: string;
  login: boolean;
  superuser: boolean;
  x: number;
  y: number;
  w: number;
}

const NODE_H = 26;
const ROW_GAP = 12;
const COL_GAP = 90;
const CHAR_W = 7.2;
const MAX_LABEL = 28;

/**
 * Layered layout: a role that has no members sits in column 0, a group one column right of its
 * right-most member. Within a column, nodes are ordered by the mean row of their members (fewer
 * crossings), then by name.
 */
export function layoutGraph(g: RoleGraph): { nodes: Positioned[]; width: number; height: number } {
  const members = new Map<string, string[]>();
  for (const e of g.edges) members.set(e.to, [...(members.get(e.to) ?? []), e.from]);
  const level = new Map<string, number>();
  const levelOf = (id: string, seen: Set<string>): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0;
    const ms = members.get(id) ?? [];
    const l = ms.length === 0 ? 0 : 1 + Math.max(...ms.map((m) => levelOf(m, new Set([...seen, id]))));
    level.set(id, l);
    return l;
  };
  for (const n of g.nodes) levelOf(n.id, new Set());
  const columns = new Map<number, typeof g.nodes>();
  for (const n of g.nodes) columns.set(level.get(n.id)!, [...(columns.get(level.get(n.id)!) ?? []), n]);
  const label = (s: string) => (s.length > MAX_LABEL ? `${s.slice(0, MAX_LABEL - 1)}…` : s);
  const width = (n: { name: string }) => Math.round(Math.max(60, label(n.name).length * CHAR_W + 24));
  const row = new Map<string, number>();
  const out: Positioned[] = [];
  let x = 20;
  let height = 0;
  for (const l of [...columns.keys()].sort((a, b) => a - b)) {
    const col = columns.get(l)!;
    const mean = (id: string) => {
      const ms = (members.get(id) ?? []).map((m) => row.get(m)).filter((r): r is number => r !== undefined);
      return ms.length ? ms.reduce((a, b) => a + b, 0) / ms.length : Number.MAX_SAFE_INTEGER;
    };
    col.sort((a, b) => mean(a.id) - mean(b.id) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const colW = Math.max(...col.map(width));
    col.forEach((n, i) => {
      row.set(n.id, i);
      const y = 20 + i * (NODE_H + ROW_GAP);
      out.push({ ...n, x, y, w: width(n) });
      height = Math.max(height, y + NODE_H + 20);
    });
    x += colW + COL_GAP;
  }
  return { nodes: out, width: Math.max(x - COL_GAP + 20, 200), height: Math.max(height, 60) };
}

export function graphSvg(report: AuditReport): string {
  const g = roleGraph(report);
  const { nodes, width, height } = layoutGraph(g);
  const at = new Map(nodes.map((n) => [n.id, n]));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" id="graph" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="role graph">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#777"/></marker></defs>',
  ];
  for (const e of g.edges) {
    const a = at.get(e.from)!;
    const b = at.get(e.to)!;
    const x1 = a.x + a.w;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x;
    const y2 = b.y + NODE_H / 2;
    const mid = (x1 + x2) / 2;
    const tags = [
      e.admin ? "admin option" : "",
      e.inherit ? "" : "no inherit",
      e.set === false ? "no set" : "",
    ]
      .filter(Boolean)
      .join(", ");
    parts.push(
      `<path class="edge${e.inherit ? "" : " noinherit"}" data-member="${escapeHtml(a.name)}" data-group="${escapeHtml(b.name)}" d="M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}" marker-end="url(#arrow)"><title>${escapeHtml(
        `${a.name} → ${b.name}${tags ? ` (${tags})` : ""}`,
      )}</title></path>`,
    );
  }
  for (const n of nodes) {
    const cls = ["node", n.login ? "login" : "group", n.superuser ? "superuser" : ""]
      .filter(Boolean)
      .join(" ");
    const label = n.name.length > MAX_LABEL ? `${n.name.slice(0, MAX_LABEL - 1)}…` : n.name;
    parts.push(
      `<g class="${cls}" data-role="${escapeHtml(n.name)}" transform="translate(${n.x},${n.y})" tabindex="0"><title>${escapeHtml(
        n.name,
      )}${n.login ? " (login)" : ""}${n.superuser ? " (superuser)" : ""}</title><rect width="${n.w}" height="${NODE_H}" rx="${n.login ? 13 : 3}"/><text x="${n.w / 2}" y="17">${escapeHtml(label)}</text></g>`,
    );
  }
  parts.push("</svg>");
  return parts.join("\n");
}

/** What the page's script works from. */
export interface MatrixData {
  roles: Array<{ name: string; login: boolean; superuser: boolean; inherits: string[] }>;
  objects: Array<{ key: string; type: string; schema: string | null; name: string }>;
  /** [role index or -1 for PUBLIC, object index, privilege letters, grantable letters] */
  cells: Array<[number, number, string, string]>;
  letters: Record<string, string>;
}

/** The roles × objects data: direct privileges per role and the roles each inherits from. */
export function matrixData(report: AuditReport): MatrixData {
  const g = roleGraph(report);
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const groupsOf = new Map<string, string[]>();
  for (const e of g.edges)
    if (e.inherit)
      groupsOf.set(byId.get(e.from)!.name, [
        ...(groupsOf.get(byId.get(e.from)!.name) ?? []),
        byId.get(e.to)!.name,
      ]);
  const inherits = (role: string): string[] => {
    const seen = new Set<string>();
    const walk = (r: string) => {
      for (const gname of groupsOf.get(r) ?? []) {
        if (seen.has(gname) || gname === role) continue;
        seen.add(gname);
        walk(gname);
      }
    };
    walk(role);
    return [...seen].sort();
  };
  const names = new Set<string>(g.nodes.map((n) => n.name));
  for (const gr of report.grants) if (gr.grantee !== "PUBLIC") names.add(gr.grantee);
  const info = new Map(g.nodes.map((n) => [n.name, n]));
  const roles = [...names].sort().map((name) => ({
    name,
    login: info.get(name)?.login ?? false,
    superuser: info.get(name)?.superuser ?? false,
    inherits: inherits(name),
  }));
  const roleIndex = new Map(roles.map((r, i) => [r.name, i]));
  const objects: MatrixData["objects"] = [];
  const objectIndex = new Map<string, number>();
  const cells = new Map<string, [number, number, Set<string>, Set<string>]>();
  for (const { grantee, groups } of report.grants) {
    const ri = grantee === "PUBLIC" ? -1 : roleIndex.get(grantee)!;
    for (const grp of groups) {
      for (const o of grp.objects) {
        const key = `${grp.object_type}:${grp.schema ?? ""}:${o}`;
        let oi = objectIndex.get(key);
        if (oi === undefined) {
          oi = objects.length;
          objectIndex.set(key, oi);
          objects.push({ key, type: grp.object_type, schema: grp.schema, name: o });
        }
        const ck = `${ri}/${oi}`;
        const c = cells.get(ck) ?? [ri, oi, new Set<string>(), new Set<string>()];
        cells.set(ck, c);
        for (const p of grp.privileges) c[2].add(LETTERS[p] ?? p);
        for (const p of grp.grantable) c[3].add(LETTERS[p] ?? p);
      }
    }
  }
  return {
    roles,
    objects,
    cells: [...cells.values()].map(([r, o, p, gr]) => [r, o, [...p].join(""), [...gr].join("")]),
    letters: LETTERS,
  };
}

const STYLE = `
body { font: 14px/1.4 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 20px; color: #222; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; }
.meta { color: #666; margin-bottom: 12px; }
#graph-box { overflow: auto; border: 1px solid #ddd; border-radius: 4px; max-height: 600px; }
#graph .node rect { fill: #f4f4f4; stroke: #777; } #graph .node.login rect { fill: #e8f1fb; stroke: #3572b0; }
#graph .node.superuser rect { stroke: #c62828; stroke-width: 3; } #graph .node text { font-size: 12px; text-anchor: middle; fill: #222; }
#graph .node { cursor: pointer; } #graph .node.dim { opacity: .25; } #graph .node.hit rect { stroke-width: 3; stroke: #e6a100; }
#graph .edge { fill: none; stroke: #999; stroke-width: 1.3; } #graph .edge.noinherit { stroke-dasharray: 5 4; }
#graph .edge.dim { opacity: .15; }
.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; margin: 8px 0; }
.filters input[type=search] { width: 180px; } #count { color: #666; }
#matrix-box { overflow: auto; max-height: 70vh; border: 1px solid #ddd; border-radius: 4px; }
#matrix { border-collapse: collapse; font-size: 12px; }
#matrix th, #matrix td { border: 1px solid #e2e2e2; padding: 2px 5px; white-space: nowrap; }
#matrix thead th { position: sticky; top: 0; background: #fafafa; writing-mode: vertical-rl; transform: rotate(180deg); text-align: left; max-height: 180px; overflow: hidden; }
#matrix tbody th { position: sticky; left: 0; background: #fafafa; text-align: left; }
#matrix td { font-family: ui-monospace, Menlo, Consolas, monospace; text-align: center; }
#matrix td.inh { color: #8a8a8a; font-style: italic; } #matrix td .g { color: #b35c00; font-weight: bold; }
.legend { color: #555; font-size: 12px; margin-top: 6px; }
`;

/** The page's script: builds the matrix from the data and applies the filters. */
const SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById("data").textContent);
  var $ = function (id) { return document.getElementById(id); };
  var inputs = { role: $("f-role"), object: $("f-object"), schema: $("f-schema"), privilege: $("f-privilege"), login: $("f-login"), inherited: $("f-inherited") };
  var direct = {};
  data.cells.forEach(function (c) { direct[c[0] + "/" + c[1]] = { p: c[2], g: c[3] }; });
  var roleIndex = {};
  data.roles.forEach(function (r, i) { roleIndex[r.name] = i; });
  function cell(ri, oi, withInherited) {
    var own = ri === -1 ? direct["-1/" + oi] : direct[ri + "/" + oi];
    var p = own ? own.p : "", g = own ? own.g : "", inh = "";
    if (withInherited && ri !== -1) {
      data.roles[ri].inherits.forEach(function (name) {
        var c = direct[roleIndex[name] + "/" + oi];
        if (c) for (var k = 0; k < c.p.length; k++) if (p.indexOf(c.p[k]) < 0 && inh.indexOf(c.p[k]) < 0) inh += c.p[k];
      });
    }
    return { p: p, g: g, inh: inh };
  }
  function norm(s) { return String(s || "").toLowerCase(); }
  function apply() {
    var fr = norm(inputs.role.value), fo = norm(inputs.object.value), fs = inputs.schema.value, fp = inputs.privilege.value;
    var onlyLogin = inputs.login.checked, withInh = inputs.inherited.checked;
    var rows = [{ name: "PUBLIC", i: -1, login: true }].concat(data.roles.map(function (r, i) { return { name: r.name, i: i, login: r.login }; }));
    rows = rows.filter(function (r) { return (!fr || norm(r.name).indexOf(fr) >= 0) && (!onlyLogin || r.login || r.i === -1); });
    var cols = data.objects.map(function (o, i) { return { o: o, i: i }; }).filter(function (c) {
      var label = (c.o.schema ? c.o.schema + "." : "") + c.o.name;
      return (!fo || norm(label).indexOf(fo) >= 0 || norm(c.o.type).indexOf(fo) >= 0) && (!fs || c.o.schema === fs);
    });
    var grid = rows.map(function (r) { return cols.map(function (c) { return cell(r.i, c.i, withInh); }); });
    var has = function (x) { return (x.p + x.inh).length > 0 && (!fp || (x.p + x.inh).indexOf(fp) >= 0); };
    var keepRow = rows.map(function (_, ri) { return grid[ri].some(has); });
    var keepCol = cols.map(function (_, ci) { return grid.some(function (row, ri) { return keepRow[ri] && has(row[ci]); }); });
    var thead = "<tr><th>role \\\\ object</th>" + cols.map(function (c, ci) {
      if (!keepCol[ci]) return "";
      var label = c.o.type.replace(/_/g, " ") + " " + (c.o.schema && c.o.type !== "schema" ? c.o.schema + "." : "") + c.o.name;
      return "<th data-object=\\"" + esc(c.o.key) + "\\" title=\\"" + esc(label) + "\\">" + esc(label) + "</th>";
    }).join("") + "</tr>";
    var body = rows.map(function (r, ri) {
      if (!keepRow[ri]) return "";
      return "<tr data-role=\\"" + esc(r.name) + "\\"><th>" + esc(r.name) + "</th>" + cols.map(function (c, ci) {
        if (!keepCol[ci]) return "";
        var x = grid[ri][ci];
        var own = x.p.split("").map(function (l) { return x.g.indexOf(l) >= 0 ? "<span class=\\"g\\">" + esc(l) + "*</span>" : esc(l); }).join("");
        return "<td" + (x.p === "" && x.inh !== "" ? " class=\\"inh\\"" : "") + (x.inh ? " title=\\"inherited: " + esc(x.inh) + "\\"" : "") + ">" + own + (x.inh ? "<i>" + esc(x.inh) + "</i>" : "") + "</td>";
      }).join("") + "</tr>";
    }).join("");
    $("matrix").innerHTML = "<thead>" + thead + "</thead><tbody>" + body + "</tbody>";
    var shownRows = keepRow.filter(Boolean).length, shownCols = keepCol.filter(Boolean).length;
    $("count").textContent = shownRows + " roles × " + shownCols + " objects";
    var visible = {};
    rows.forEach(function (r, ri) { if (keepRow[ri]) visible[r.name] = true; });
    Array.prototype.forEach.call(document.querySelectorAll("#graph .node"), function (n) {
      var name = n.getAttribute("data-role");
      var match = !fr || norm(name).indexOf(fr) >= 0;
      n.classList.toggle("dim", !!fr && !match);
      n.classList.toggle("hit", !!fr && match);
    });
    Array.prototype.forEach.call(document.querySelectorAll("#graph .edge"), function (e) {
      var m = e.getAttribute("data-member"), g = e.getAttribute("data-group");
      e.classList.toggle("dim", !!fr && norm(m).indexOf(fr) < 0 && norm(g).indexOf(fr) < 0);
    });
    var state = [];
    ["role", "object", "schema", "privilege"].forEach(function (k) { if (inputs[k].value) state.push(k + "=" + encodeURIComponent(inputs[k].value)); });
    if (onlyLogin) state.push("login=1");
    if (!withInh) state.push("inherited=0");
    var hash = state.join("&");
    if (location.hash.slice(1) !== hash) history.replaceState(null, "", hash ? "#" + hash : location.pathname + location.search);
  }
  function esc(s) { return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"); }
  function fromHash() {
    var params = {};
    location.hash.slice(1).split("&").forEach(function (kv) { if (!kv) return; var i = kv.indexOf("="); params[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1)); });
    ["role", "object", "schema", "privilege"].forEach(function (k) { if (params[k] !== undefined) inputs[k].value = params[k]; });
    if (params.login !== undefined) inputs.login.checked = params.login === "1";
    if (params.inherited !== undefined) inputs.inherited.checked = params.inherited !== "0";
  }
  var schemas = {};
  data.objects.forEach(function (o) { if (o.schema) schemas[o.schema] = true; });
  Object.keys(schemas).sort().forEach(function (s) { var o = document.createElement("option"); o.value = s; o.textContent = s; inputs.schema.appendChild(o); });
  Object.keys(data.letters).forEach(function (p) { var o = document.createElement("option"); o.value = data.letters[p]; o.textContent = p; inputs.privilege.appendChild(o); });
  ["input", "change"].forEach(function (ev) { Object.keys(inputs).forEach(function (k) { inputs[k].addEventListener(ev, apply); }); });
  Array.prototype.forEach.call(document.querySelectorAll("#graph .node"), function (n) {
    n.addEventListener("click", function () { var name = n.getAttribute("data-role"); inputs.role.value = inputs.role.value === name ? "" : name; apply(); });
  });
  window.addEventListener("hashchange", function () { fromHash(); apply(); });
  fromHash();
  apply();
  document.body.setAttribute("data-ready", "1");
})();
`;

export function formatHtml(report: AuditReport): string {
  const s = report.server;
  const data = matrixData(report);
  const legend = Object.entries(LETTERS)
    .map(([p, l]) => `<b>${escapeHtml(l)}</b> ${escapeHtml(p)}`)
    .join(" · ");
  const filters = [
    report.filters.roles ? `roles ${report.filters.roles.join(", ")}` : "",
    report.filters.schemas ? `schemas ${report.filters.schemas.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join("; ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>Access audit: ${escapeHtml(s.database)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Access audit: database ${escapeHtml(s.database)}</h1>
<div class="meta">PostgreSQL ${escapeHtml(s.version_text)}, read as ${escapeHtml(s.user)}${s.superuser ? " (superuser)" : ""}${
    filters ? `; only ${escapeHtml(filters)}` : ""
  }. ${report.roles.length} roles.</div>
<h2>Roles and memberships</h2>
<div class="legend">Members on the left, their groups to the right. Rounded: login roles; red: superusers; dashed: a membership that passes no privileges (NOINHERIT or INHERIT FALSE). Click a role to filter the matrix.</div>
<div id="graph-box">
${graphSvg(report)}
</div>
<h2>Privileges</h2>
<div class="filters">
<label>Role <input type="search" id="f-role" placeholder="name contains…"></label>
<label>Object <input type="search" id="f-object" placeholder="schema.name or type…"></label>
<label>Schema <select id="f-schema"><option value="">all</option></select></label>
<label>Privilege <select id="f-privilege"><option value="">any</option></select></label>
<label><input type="checkbox" id="f-login"> login roles only</label>
<label><input type="checkbox" id="f-inherited" checked> inherited</label>
<span id="count"></span>
</div>
<div id="matrix-box"><table id="matrix"></table></div>
<div class="legend">${legend}. <span style="color:#b35c00;font-weight:bold">x*</span>: with grant option; <i style="color:#8a8a8a">grey italics</i>: inherited through memberships.</div>
<script type="application/json" id="data">${scriptJson(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
