#include "sc_main/sweep_html.hpp"

namespace atleus::cli {

namespace {

// JSON inside <script>: no "</" can close the element early.
std::string script_json(const nlohmann::ordered_json& j) {
  std::string s = j.dump();
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '<' && i + 1 < s.size() && s[i + 1] == '/') {
      out += "<\\/";
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

const char* kPage = R"HTML(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>atleus-vp sweep</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:20px} h2{font-size:16px;margin-top:28px}
table{border-collapse:collapse;font-size:12px} th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}
th{background:#f0f0f0;cursor:pointer;position:sticky;top:0} td.t{text-align:left}
tr.front td{background:#eef7ee} .err{color:#a00} pre{background:#f7f7f7;padding:8px;overflow:auto}
.counts span{margin-right:16px} select{margin:0 8px 0 4px} .wrap{overflow:auto;max-height:600px}
</style></head><body>
<h1>atleus-vp sweep</h1>
<p class="counts" id="counts"></p>
<h2>Scatter</h2>
<div>x <select id="x"></select> y <select id="y"></select> colour <select id="c"></select>
<span>green ring: on the Pareto front of the spec's objectives</span></div>
<svg id="plot" width="760" height="480" role="img"></svg>
<h2>Points</h2>
<div class="wrap"><table id="tab"><thead></thead><tbody></tbody></table></div>
<h2>Spec</h2><pre id="spec"></pre>
<script id="data" type="application/json">@DATA@</script>
<script>
"use strict";
const D = JSON.parse(document.getElementById("data").textContent);
const cols = D.columns, rows = D.rows, ns = "http://www.w3.org/2000/svg";
const idx = name => cols.indexOf(name);
document.getElementById("spec").textContent = D.spec;
document.getElementById("counts").textContent = "";
for (const [k, v] of Object.entries(D.counts)) {
  const s = document.createElement("span"); s.textContent = k + ": " + v;
  document.getElementById("counts").appendChild(s);
}
const metrics = D.metrics.filter(m => idx(m) >= 0);
const obj = D.objectives.map(o => o.metric).filter(m => idx(m) >= 0);
for (const [id, def] of [["x", obj[0] || metrics[0]], ["y", obj[1] || obj[0] || metrics[1]], ["c", "area_mm2"]]) {
  const sel = document.getElementById(id);
  for (const m of metrics) { const o = document.createElement("option"); o.value = o.textContent = m; sel.appendChild(o); }
  sel.value = def; sel.addEventListener("change", draw);
}
// Table
const thead = document.querySelector("#tab thead"), tbody = document.querySelector("#tab tbody");
let sortCol = 0, sortDir = 1;
function num(v) { const x = parseFloat(v); return isNaN(x) ? null : x; }
function renderTable() {
  thead.innerHTML = ""; tbody.innerHTML = "";
  const tr = document.createElement("tr");
  cols.forEach((c, i) => {
    const th = document.createElement("th");
    th.textContent = c + (i === sortCol ? (sortDir > 0 ? " \u25b2" : " \u25bc") : "");
    th.addEventListener("click", () => { sortDir = sortCol === i ? -sortDir : 1; sortCol = i; renderTable(); });
    tr.appendChild(th);
  });
  thead.appendChild(tr);
  const sorted = rows.slice().sort((a, b) => {
    const x = num(a[sortCol]), y = num(b[sortCol]);
    if (x !== null && y !== null) return sortDir * (x - y);
    return sortDir * String(a[sortCol]).localeCompare(String(b[sortCol]));
  });
  const hi = idx("hash"), si = idx("status");
  for (const r of sorted) {
    const tr = document.createElement("tr");
    if (r[r.length - 1]) tr.className = "front";
    cols.forEach((c, i) => {
      const td = document.createElement("td");
      const n = num(r[i]);
      if (n === null || c === "hash") td.className = "t";
      if (i === hi && r[si] === "ok") {
        const a = document.createElement("a"); a.href = "points/" + r[i] + "/run/report.html";
        a.textContent = r[i]; td.appendChild(a);
      } else {
        td.textContent = n !== null && c !== "point" && c !== "hash" && !isNaN(Number(r[i])) ? Number(r[i]).toPrecision(4) : r[i];
      }
      if (i === si && r[i] !== "ok") td.classList.add("err");
      tr.appendChild(td);
    });
    tbody.appendChild(tr);
  }
}
// Scatter
function el(name, attrs, text) {
  const e = document.createElementNS(ns, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
function draw() {
  const svg = document.getElementById("plot"); while (svg.firstChild) svg.removeChild(svg.firstChild);
  const xm = document.getElementById("x").value, ym = document.getElementById("y").value, cm = document.getElementById("c").value;
  const xi = idx(xm), yi = idx(ym), ci = idx(cm);
  const pts = rows.filter(r => num(r[xi]) !== null && num(r[yi]) !== null)
                  .map(r => ({x: num(r[xi]), y: num(r[yi]), c: num(r[ci]), f: r[r.length - 1], r}));
  const W = 760, H = 480, L = 80, R = 20, T = 20, B = 50;
  svg.appendChild(el("rect", {x: L, y: T, width: W - L - R, height: H - T - B, fill: "none", stroke: "#999"}));
  svg.appendChild(el("text", {x: (W + L) / 2, y: H - 10, "text-anchor": "middle"}, xm));
  svg.appendChild(el("text", {x: 14, y: (H - B) / 2, transform: `rotate(-90 14 ${(H - B) / 2})`, "text-anchor": "middle"}, ym));
  if (!pts.length) return;
  const ext = a => { let lo = Math.min(...a), hi = Math.max(...a); if (lo === hi) { lo -= Math.abs(lo) * 0.1 || 1; hi += Math.abs(hi) * 0.1 || 1; } const p = (hi - lo) * 0.05; return [lo - p, hi + p]; };
  const [x0, x1] = ext(pts.map(p => p.x)), [y0, y1] = ext(pts.map(p => p.y));
  const cs = pts.map(p => p.c).filter(c => c !== null), c0 = Math.min(...cs), c1 = Math.max(...cs);
  const sx = x => L + (x - x0) / (x1 - x0) * (W - L - R), sy = y => H - B - (y - y0) / (y1 - y0) * (H - T - B);
  for (let i = 0; i <= 4; ++i) {
    const xv = x0 + (x1 - x0) * i / 4, yv = y0 + (y1 - y0) * i / 4;
    svg.appendChild(el("text", {x: sx(xv), y: H - B + 16, "text-anchor": "middle", "font-size": 11}, xv.toPrecision(3)));
    svg.appendChild(el("text", {x: L - 4, y: sy(yv) + 4, "text-anchor": "end", "font-size": 11}, yv.toPrecision(3)));
  }
  const front = pts.filter(p => p.f).sort((a, b) => a.x - b.x);
  if (front.length > 1)
    svg.appendChild(el("polyline", {points: front.map(p => sx(p.x) + "," + sy(p.y)).join(" "), fill: "none", stroke: "#2a2", "stroke-width": 1.5}));
  for (const p of pts) {
    const t = c1 > c0 && p.c !== null ? (p.c - c0) / (c1 - c0) : 0.5;
    const fill = `hsl(${240 - 240 * t},70%,50%)`;
    const dot = el("circle", {cx: sx(p.x), cy: sy(p.y), r: 5, fill, stroke: p.f ? "#2a2" : "none", "stroke-width": 3});
    dot.appendChild(el("title", {}, `point ${p.r[0]} ${p.r[2]}: ${xm}=${p.x}, ${ym}=${p.y}, ${cm}=${p.c}`));
    svg.appendChild(dot);
  }
}
renderTable(); draw();
</script>
<p>@VERSION@</p>
</body></html>
)HTML";

}  // namespace

std::string render_sweep_html(const nlohmann::ordered_json& page) {
  std::string html = kPage;
  const std::string data = script_json(page);
  html.replace(html.find("@DATA@"), 6, data);
  const std::string version = "atleus-vp " + page["version"].get<std::string>();
  html.replace(html.find("@VERSION@"), 9, version);
  return html;
}

}  // namespace atleus::cli
