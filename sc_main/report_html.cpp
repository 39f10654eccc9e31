// Self-contained HTML run and comparison reports. Charts are SVG written here (no script is
// needed to see them); a few lines of script only make the tables sortable.
#include "sc_main/report_html.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

namespace atleus::cli {

namespace {

using ojson = nlohmann::ordered_json;

// ---------------------------------------------------------------- text and number formatting

std::string esc(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&#39;";
        break;
      default:
        o += c;
    }
  }
  return o;
}

std::string printf_str(const char* fmt, double v) {
  char b[64];
  std::snprintf(b, sizeof b, fmt, v);
  return b;
}

// About three significant digits without switching to exponent notation for everyday values.
std::string sig3(double v) {
  const double a = std::fabs(v);
  if (a == 0) return "0";
  if (a >= 100) return printf_str("%.0f", v);
  if (a >= 10) return printf_str("%.1f", v);
  if (a >= 1) return printf_str("%.2f", v);
  return printf_str("%.3g", v);
}

std::string with_unit(double v, const std::vector<std::pair<double, const char*>>& scale) {
  const double a = std::fabs(v);
  if (a == 0) return "0";
  for (const auto& [f, u] : scale)
    if (a >= f) return sig3(v / f) + " " + u;
  return sig3(v / scale.back().first) + " " + scale.back().second;
}

std::string fmt_time(double s) {
  static const std::vector<std::pair<double, const char*>> k = {
      {86400, "d"}, {3600, "h"}, {1, "s"}, {1e-3, "ms"}, {1e-6, "µs"}, {1e-9, "ns"}, {1e-12, "ps"}};
  if (std::fabs(s) >= 120 && std::fabs(s) < 3600) return sig3(s / 60) + " min";
  return with_unit(s, k);
}

std::string fmt_energy(double j) {
  static const std::vector<std::pair<double, const char*>> k = {
      {1e6, "MJ"}, {1e3, "kJ"}, {1, "J"}, {1e-3, "mJ"}, {1e-6, "µJ"}, {1e-9, "nJ"}, {1e-12, "pJ"}};
  return with_unit(j, k);
}

std::string fmt_bytes(double b) {
  static const std::vector<std::pair<double, const char*>> k = {
      {1e12, "TB"}, {1e9, "GB"}, {1e6, "MB"}, {1e3, "kB"}, {1, "B"}};
  return with_unit(b, k);
}

std::string fmt_pct(double f) {
  return sig3(f * 100) + "%";
}

std::string fmt_rate(double r) {
  return sig3(r) + " seq/s";
}

std::string fmt_count(double v) {
  std::string d = printf_str("%.0f", v);
  std::string o;
  const size_t start = (!d.empty() && d[0] == '-') ? 1 : 0;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i > start && (d.size() - i) % 3 == 0) o += ',';
    o += d[i];
  }
  return o;
}

// Ratios keep two decimals near 1 so that 1.00 and 0.99 read apart.
std::string ratio_text(double r) {
  const double a = std::fabs(r);
  return printf_str(a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", r);
}

std::string fmt_ratio(double r) {
  return ratio_text(r) + "×";
}

// Axis label for a tick at `t` of an axis stepping by `step`.
std::string tick_text(double t, double step) {
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", decimals, t);
  return b;
}

// The exact machine value: nlohmann prints doubles with the shortest round-trip form, as in
// summary.json itself.
std::string exact(const ojson& v) {
  return v.dump();
}
std::string exact(double v) {
  return ojson(v).dump();
}

double num(const ojson& o, const char* key, double dflt = 0.0) {
  if (!o.is_object() || !o.contains(key) || !o[key].is_number()) return dflt;
  return o[key].get<double>();
}

std::string str(const ojson& o, const char* key, const std::string& dflt = "-") {
  if (!o.is_object() || !o.contains(key)) return dflt;
  const auto& v = o[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string s;
    for (const auto& e : v)
      s += (s.empty() ? "" : ", ") + (e.is_string() ? e.get<std::string>() : e.dump());
    return s.empty() ? "none" : s;
  }
  if (v.is_null()) return dflt;
  return v.dump();
}

// ---------------------------------------------------------------- colours

struct Rgb {
  double r, g, b;
};

std::string lerp_colour(const std::vector<Rgb>& stops, double t) {
  t = std::clamp(t, 0.0, 1.0);
  const double pos = t * static_cast<double>(stops.size() - 1);
  const size_t i = std::min(static_cast<size_t>(pos), stops.size() - 2);
  const double f = pos - static_cast<double>(i);
  auto mix = [&](double a, double b) { return static_cast<int>(std::lround(a + (b - a) * f)); };
  char buf[16];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", mix(stops[i].r, stops[i + 1].r),
                mix(stops[i].g, stops[i + 1].g), mix(stops[i].b, stops[i + 1].b));
  return buf;
}

// Cells: yellow-orange-red; links: light to dark blue, so the two read apart when overlaid.
const std::vector<Rgb> kCellScale = {
    {255, 255, 204}, {254, 217, 118}, {253, 141, 60}, {227, 26, 28}, {128, 0, 38}};
const std::vector<Rgb> kLinkScale = {{158, 202, 225}, {66, 146, 198}, {8, 81, 156}, {8, 29, 88}};
const char* kIdleLink = "#cbd5e1";

const char* block_colour(const std::string& b) {
  static const std::map<std::string, const char*> m = {
      {"reram", "#2563eb"},       {"systolic", "#16a34a"},  {"sfu", "#65a30d"},
      {"noc_routers", "#f59e0b"}, {"noc_links", "#fbbf24"}, {"tsv", "#a855f7"},
      {"hbm", "#ef4444"},         {"static", "#94a3b8"}};
  const auto it = m.find(b);
  return it == m.end() ? "#64748b" : it->second;
}

const std::array<const char*, 8> kRunColours = {"#2563eb", "#f97316", "#16a34a", "#a855f7",
                                                "#ef4444", "#0891b2", "#ca8a04", "#64748b"};

// ---------------------------------------------------------------- CSV

struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  int col(const std::string& name) const {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return static_cast<int>(i);
    return -1;
  }
  std::string get(const std::vector<std::string>& row, const std::string& name) const {
    const int c = col(name);
    return (c < 0 || static_cast<size_t>(c) >= row.size()) ? std::string() : row[c];
  }
  double getd(const std::vector<std::string>& row, const std::string& name) const {
    const std::string s = get(row, name);
    if (s.empty()) return 0.0;
    try {
      return std::stod(s);
    } catch (...) {
      return 0.0;
    }
  }
};

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out(1);
  for (char c : line) {
    if (c == ',')
      out.emplace_back();
    else if (c != '\r')
      out.back() += c;
  }
  return out;
}

// Rows of one mode (the CSVs hold every mode of the run, first column `mode`).
Csv parse_csv(const std::string& text, const std::string& mode) {
  Csv c;
  std::istringstream in(text);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (line.empty() || line == "\r") continue;
    auto f = split(line);
    if (first) {
      c.header = f;
      first = false;
      continue;
    }
    const int m = c.col("mode");
    if (m >= 0 && static_cast<size_t>(m) < f.size() && f[m] != mode) continue;
    c.rows.push_back(std::move(f));
  }
  return c;
}

// ---------------------------------------------------------------- page frame

const char* kCss = R"CSS(
:root{--fg:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f8fafc;--card:#fff;--accent:#2563eb}
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
 color:var(--fg);background:var(--bg);font-size:14px;line-height:1.45}
header.top{background:#0f172a;color:#f8fafc;padding:18px 32px}
header.top h1{margin:0;font-size:22px;font-weight:600}
header.top .sub{color:#cbd5e1;margin-top:4px}
header.top nav a{color:#93c5fd;margin-right:16px;text-decoration:none}
main{max-width:1320px;margin:0 auto;padding:8px 32px 48px}
section.mode{margin-top:28px}
h2{font-size:20px;margin:8px 0 12px;border-bottom:2px solid var(--accent);padding-bottom:4px}
h3{font-size:15px;margin:0 0 8px;color:#1e293b}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:12px 0}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:12px}
.grid2 .panel{margin:0}
.inputs{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:6px 16px}
.inputs div{font-size:13px}.inputs span{display:block;color:var(--muted);font-size:11px;text-transform:uppercase;letter-spacing:.04em}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:12px;margin:12px 0}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;border-top:3px solid var(--accent)}
.card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .value{font-size:24px;font-weight:600;margin:2px 0}
.card .note{color:var(--muted);font-size:12px}
.warnings{list-style:none;padding:0;margin:0}
.warnings li{padding:6px 10px;margin:4px 0;border-radius:6px;background:#fef3c7;border-left:4px solid #f59e0b}
.warnings li.ok{background:#dcfce7;border-left-color:#16a34a}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th{background:#f1f5f9;font-weight:600;color:#334155;position:sticky;top:0}
table.sortable th{cursor:pointer}
td.l,th.l{text-align:left}
tr:hover td{background:#f8fafc}
.scroll{max-height:460px;overflow:auto}
svg text{font-family:inherit}
.caption{color:var(--muted);font-size:12px;margin-top:4px}
.ratio{color:var(--muted);font-size:11.5px;margin-left:6px}
.better{color:#15803d}.worse{color:#b91c1c}
)CSS";

// Click a header to sort by that column; cells carry their raw number in data-sort.
const char* kScript = R"JS(
document.querySelectorAll('table.sortable').forEach(function(t){
  t.querySelectorAll('th').forEach(function(th,i){
    th.addEventListener('click',function(){
      var body=t.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
      var asc=th.getAttribute('data-dir')!=='asc';th.setAttribute('data-dir',asc?'asc':'desc');
      rows.sort(function(a,b){
        var x=a.cells[i],y=b.cells[i];
        var p=x.getAttribute('data-sort'),q=y.getAttribute('data-sort');
        var r=(p!==null&&q!==null)?(parseFloat(p)-parseFloat(q)):x.textContent.localeCompare(y.textContent);
        return asc?r:-r;});
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
});
)JS";

std::string page(const std::string& title, const std::string& header_html,
                 const std::string& body) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    << "<title>" << esc(title) << "</title>\n<style>" << kCss << "</style>\n</head>\n<body>\n"
    << "<header class=\"top\">" << header_html << "</header>\n<main>\n"
    << body << "</main>\n<script>" << kScript << "</script>\n</body>\n</html>\n";
  return o.str();
}

// ---------------------------------------------------------------- modes

struct Mode {
  std::string name;  // finetune | inference
  const ojson* s;
};

std::vector<Mode> modes_of(const ojson& summary) {
  std::vector<Mode> m;
  for (const char* k : {"finetune", "inference"})
    if (summary.contains(k) && summary[k].is_object()) m.push_back({k, &summary[k]});
  if (m.empty() && summary.contains("mode") && summary["mode"].is_string())
    m.push_back({summary["mode"].get<std::string>(), &summary});
  return m;
}

std::string mode_title(const std::string& m) {
  if (m == "finetune") return "Fine-tuning";
  if (m == "inference") return "Inference";
  if (m == "generate") return "Generation";
  return m;
}

// ---------------------------------------------------------------- run page pieces

std::string inputs_html(const ojson& summary, const Mode& m) {
  const ojson empty = ojson::object();
  const ojson& w = summary.contains("workload") ? summary["workload"] : empty;
  const ojson& s = *m.s;
  std::vector<std::pair<std::string, std::string>> items = {
      {"platform", str(summary, "platform")},
      {"model", str(w, "model")},
      {"task", str(w, "task")},
      {"mode", m.name},
      {"seq_len", s.contains("seq_len") ? str(s, "seq_len") : str(w, "seq_len")},
      {"batch", str(w, "batch", str(s, "sequences"))},
      {"quantization", str(w, "quant")},
      {"backward", m.name == "finetune" ? str(w, "backward") : "- (inference)"},
      {"LoRA rank", str(w, "lora_rank")},
      {"LoRA targets", str(w, "lora_targets")},
      {"transpose_on", str(w, "transpose_on")}};
  if (s.contains("mapping")) {
    const auto& mp = s["mapping"];
    items.push_back({"ReRAM cores used", str(mp, "reram_cores_used")});
    items.push_back(
        {"crossbars needed / available", fmt_count(num(mp, "crossbars_needed")) + " / " +
                                             fmt_count(num(mp, "crossbars_available"))});
    if (mp.contains("duplication"))
      items.push_back({"copies of each frozen matrix", str(mp, "duplication")});
    items.push_back({"weight reloading", str(mp, "weight_reloading")});
  }
  std::ostringstream o;
  o << "<div class=\"panel\"><h3>Inputs</h3><div class=\"inputs\" id=\"" << m.name << "-inputs\">";
  for (const auto& [k, v] : items) o << "<div><span>" << esc(k) << "</span>" << esc(v) << "</div>";
  o << "</div></div>\n";
  return o.str();
}

std::string card(const std::string& id, const std::string& label, const ojson& value,
                 const std::string& shown, const std::string& note) {
  std::ostringstream o;
  o << "<div class=\"card\"><div class=\"label\">" << esc(label) << "</div>"
    << "<div class=\"value\" id=\"" << id << "\" data-value=\"" << exact(value) << "\">"
    << esc(shown) << "</div><div class=\"note\">" << note << "</div></div>";
  return o.str();
}

// The stage holding the busiest core limits throughput.
std::string bottleneck_stage(const ojson& s) {
  std::string best;
  double u = -1;
  if (s.contains("pipeline"))
    for (const auto& st : s["pipeline"])
      if (num(st, "max_core_utilisation") > u) {
        u = num(st, "max_core_utilisation");
        best = str(st, "stage");
      }
  return best;
}

std::string headline_html(const Mode& m) {
  const ojson& s = *m.s;
  const std::string p = m.name + "-";
  std::ostringstream o;
  o << "<div class=\"cards\">";
  const double n = num(s, "sequences");
  if (s.contains("latency_per_sequence_s")) {
    std::string note;
    if (s.contains("simulated_time_s"))
      note = "<span id=\"" + p + "simulated-time\" data-value=\"" + exact(s["simulated_time_s"]) +
             "\">" + esc(fmt_time(num(s, "simulated_time_s"))) + "</span> simulated for " +
             fmt_count(n) + " sequences";
    o << card(p + "time-per-sequence", "Time per sequence", s["latency_per_sequence_s"],
              fmt_time(num(s, "latency_per_sequence_s")), note);
  }
  if (s.contains("throughput_sequences_per_s")) {
    std::string note;
    if (s.contains("bottleneck_throughput_sequences_per_s"))
      note = "bound <span id=\"" + p + "bottleneck-throughput\" data-value=\"" +
             exact(s["bottleneck_throughput_sequences_per_s"]) + "\">" +
             esc(fmt_rate(num(s, "bottleneck_throughput_sequences_per_s"))) +
             "</span> by the busiest stage (" + esc(bottleneck_stage(s)) + ")";
    o << card(p + "throughput", "Throughput", s["throughput_sequences_per_s"],
              fmt_rate(num(s, "throughput_sequences_per_s")), note);
  }
  if (s.contains("energy_per_sequence_j")) {
    std::string note;
    if (s.contains("energy_j"))
      note = "<span id=\"" + p + "energy\" data-value=\"" + exact(s["energy_j"]) + "\">" +
             esc(fmt_energy(num(s, "energy_j"))) + "</span> in total";
    o << card(p + "energy-per-sequence", "Energy per sequence", s["energy_per_sequence_j"],
              fmt_energy(num(s, "energy_per_sequence_j")), note);
  }
  if (s.contains("epoch_time_s"))
    o << card(p + "epoch-time", "Epoch time", s["epoch_time_s"], fmt_time(num(s, "epoch_time_s")),
              fmt_count(num(s, "sequences_per_epoch")) + " sequences per epoch");
  if (s.contains("epoch_energy_j"))
    o << card(p + "epoch-energy", "Epoch energy", s["epoch_energy_j"],
              fmt_energy(num(s, "epoch_energy_j")), "one pass over the training set");
  const ojson* share = nullptr;
  if (s.contains("reram_mac_share"))
    share = &s["reram_mac_share"];
  else if (s.contains("mac_split") && s["mac_split"].contains("reram_share"))
    share = &s["mac_split"]["reram_share"];
  if (share)
    o << card(p + "mac-share", "ReRAM MAC share", *share, fmt_pct(share->get<double>()),
              "of all multiply-accumulates (paper: 91.9% for GPT-2 Medium, n = 1024)");
  o << "</div>\n";
  return o.str();
}

struct LinkRow {
  std::string name, kind;
  int ft, fx, fy, tt, tx, ty;
  double packets, bytes, util, queue, energy;
};

std::vector<LinkRow> link_rows(const Csv& c) {
  std::vector<LinkRow> v;
  for (const auto& r : c.rows) {
    LinkRow l;
    l.name = c.get(r, "link");
    l.kind = c.get(r, "kind");
    l.ft = static_cast<int>(c.getd(r, "from_tier"));
    l.fx = static_cast<int>(c.getd(r, "from_x"));
    l.fy = static_cast<int>(c.getd(r, "from_y"));
    l.tt = static_cast<int>(c.getd(r, "to_tier"));
    l.tx = static_cast<int>(c.getd(r, "to_x"));
    l.ty = static_cast<int>(c.getd(r, "to_y"));
    l.packets = c.getd(r, "packets");
    l.bytes = c.getd(r, "bytes");
    l.util = c.getd(r, "utilisation");
    l.queue = c.getd(r, "queue_s");
    l.energy = c.getd(r, "energy_j");
    v.push_back(l);
  }
  return v;
}

std::string warnings_html(const Mode& m, const std::vector<LinkRow>& links) {
  const ojson& s = *m.s;
  std::vector<std::pair<std::string, std::string>> w;      // kind, text
  if (s.contains("warnings") && s["warnings"].is_array())  // the platform's (describe.hpp)
    for (const auto& pw : s["warnings"])
      if (pw.is_string()) w.push_back({"platform", pw.get<std::string>()});
  if (s.contains("mapping")) {
    const auto& mp = s["mapping"];
    const double need = num(mp, "crossbars_needed"), have = num(mp, "crossbars_available");
    if (have > 0 && need / have > 0.9)
      w.push_back({"reram-capacity", "ReRAM capacity near its limit: " + fmt_count(need) + " of " +
                                         fmt_count(have) + " crossbars (" + fmt_pct(need / have) +
                                         ")."});
    if (mp.contains("weight_reloading") && mp["weight_reloading"].is_boolean() &&
        mp["weight_reloading"].get<bool>())
      w.push_back(
          {"weight-reloading", "Weight reloading in use: later layers reprogram crossbars (" +
                                   fmt_count(num(mp, "cells_written")) +
                                   " cells written); write time and energy are charged."});
  }
  if (s.contains("pipeline") && s["pipeline"].size() >= 2) {
    std::vector<std::pair<double, std::string>> st;
    for (const auto& p : s["pipeline"])
      st.push_back({num(p, "max_core_utilisation"), str(p, "stage")});
    std::sort(st.begin(), st.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    if (st[0].first > 2 * st[1].first)
      w.push_back({"dominant-stage", "Stage " + st[0].second + " dominates: its busiest core is " +
                                         fmt_pct(st[0].first) + " utilised, more than twice " +
                                         st[1].second + " (" + fmt_pct(st[1].first) + ")."});
  }
  int hot = 0;
  double hottest = 0;
  std::string hot_name;
  for (const auto& l : links)
    if (l.util > 0.8) {
      ++hot;
      if (l.util > hottest) hottest = l.util, hot_name = l.name;
    }
  if (hot > 0)
    w.push_back({"hot-links", std::to_string(hot) + " link direction(s) above 80% utilisation; " +
                                  "busiest " + hot_name + " at " + fmt_pct(hottest) + "."});
  if (s.contains("energy_breakdown_j")) {
    const double st = num(s["energy_breakdown_j"], "static"), tot = num(s, "energy_j");
    if (tot > 0 && st > 0.5 * tot)
      w.push_back({"static-energy", "Static energy is " + fmt_pct(st / tot) +
                                        " of the total: the chip idles most of the time "
                                        "(low utilisation) and leakage dominates."});
  }
  std::ostringstream o;
  o << "<div class=\"panel\"><h3>Warnings</h3><ul class=\"warnings\" id=\"" << m.name
    << "-warnings\">";
  for (const auto& [k, t] : w) o << "<li data-kind=\"" << k << "\">" << esc(t) << "</li>";
  if (w.empty()) o << "<li class=\"ok\">No warnings.</li>";
  o << "</ul></div>\n";
  return o.str();
}

std::string energy_chart(const Mode& m) {
  const ojson& s = *m.s;
  std::vector<std::pair<std::string, double>> b;
  if (s.contains("energy_breakdown_j"))
    for (const auto& [k, v] : s["energy_breakdown_j"].items())
      if (v.is_number()) b.push_back({k, v.get<double>()});
  std::sort(b.begin(), b.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
  double total = 0, mx = 0;
  for (const auto& e : b) total += e.second, mx = std::max(mx, e.second);
  const int row = 28, left = 110, barw = 300, top = 8;
  const int h = top * 2 + row * static_cast<int>(b.size());
  std::ostringstream o;
  o << "<div class=\"panel\"><h3>Energy by block</h3>"
    << "<svg id=\"" << m.name << "-energy-chart\" viewBox=\"0 0 580 " << h << "\" width=\"100%\""
    << " role=\"img\" aria-label=\"energy by block\">";
  int y = top;
  for (const auto& [k, v] : b) {
    const double w = mx > 0 ? barw * v / mx : 0;
    o << "<g><title>" << esc(k) << ": " << exact(v) << " J</title>"
      << "<text x=\"" << left - 8 << "\" y=\"" << y + 18
      << "\" text-anchor=\"end\" font-size=\"12\""
      << " fill=\"#334155\">" << esc(k) << "</text>"
      << "<rect x=\"" << left << "\" y=\"" << y + 5 << "\" width=\"" << printf_str("%.2f", w)
      << "\" height=\"" << row - 10 << "\" rx=\"3\" fill=\"" << block_colour(k) << "\"/>"
      << "<text x=\"" << left + w + 6 << "\" y=\"" << y + 18
      << "\" font-size=\"12\" fill=\"#0f172a\">" << esc(fmt_energy(v))
      << "  <tspan fill=\"#64748b\">(" << esc(total > 0 ? fmt_pct(v / total) : "0%")
      << ")</tspan></text></g>";
    y += row;
  }
  o << "</svg><div class=\"caption\">Total " << esc(fmt_energy(total))
    << "; static energy is leakage over the simulated time.</div></div>\n";
  return o.str();
}

// A step of 1, 2 or 5 times a power of ten giving about `n` ticks up to `mx`.
double nice_step(double mx, int n) {
  if (mx <= 0) return 1;
  const double raw = mx / n, p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw) return m * p;
  return 10 * p;
}

std::string stage_chart(const Mode& m) {
  const ojson& s = *m.s;
  struct St {
    std::string name;
    double c, n, st;
  };
  std::vector<St> v;
  if (s.contains("pipeline"))
    for (const auto& p : s["pipeline"])
      v.push_back({str(p, "stage"), num(p, "compute_per_layer_s"),
                   num(p, "communication_per_layer_s"), num(p, "stall_per_layer_s")});
  double mx = 0;
  for (const auto& e : v) mx = std::max(mx, e.c + e.n + e.st);
  const double step = nice_step(mx, 5);
  const double top_v = mx > 0 ? std::ceil(mx / step) * step : 1;
  const int W = 580, H = 300, left = 70, right = 10, top = 34, bottom = 40;
  const double ph = H - top - bottom, pw = W - left - right;
  const size_t k = std::max<size_t>(v.size(), 1);
  const double slot = pw / static_cast<double>(k), bw = std::min(70.0, slot * 0.55);
  auto Y = [&](double t) { return top + ph - ph * t / top_v; };
  std::ostringstream o;
  o << "<div class=\"panel\"><h3>Time per layer visit by pipeline stage</h3>"
    << "<svg id=\"" << m.name << "-stage-chart\" viewBox=\"0 0 " << W << " " << H
    << "\" width=\"100%\" role=\"img\" aria-label=\"time per stage\">";
  // Legend.
  const std::array<std::pair<const char*, const char*>, 3> parts = {
      {{"compute", "#2563eb"}, {"communication", "#f59e0b"}, {"stall", "#cbd5e1"}}};
  int lx = left;
  for (const auto& [name, col] : parts) {
    o << "<rect x=\"" << lx << "\" y=\"8\" width=\"12\" height=\"12\" rx=\"2\" fill=\"" << col
      << "\"/><text x=\"" << lx + 17 << "\" y=\"18\" font-size=\"12\" fill=\"#334155\">" << name
      << "</text>";
    lx += 130;
  }
  for (double t = 0; t <= top_v * (1 + 1e-9); t += step) {
    const double y = Y(t);
    o << "<line x1=\"" << left << "\" x2=\"" << W - right << "\" y1=\"" << printf_str("%.1f", y)
      << "\" y2=\"" << printf_str("%.1f", y) << "\" stroke=\"#e2e8f0\"/>"
      << "<text x=\"" << left - 6 << "\" y=\"" << printf_str("%.1f", y + 4)
      << "\" text-anchor=\"end\" font-size=\"11\" fill=\"#64748b\">" << esc(fmt_time(t))
      << "</text>";
  }
  for (size_t i = 0; i < v.size(); ++i) {
    const double x = left + slot * (static_cast<double>(i) + 0.5) - bw / 2;
    double acc = 0;
    const std::array<double, 3> seg = {v[i].c, v[i].n, v[i].st};
    for (size_t j = 0; j < 3; ++j) {
      const double y0 = Y(acc), y1 = Y(acc + seg[j]);
      o << "<rect x=\"" << printf_str("%.1f", x) << "\" y=\"" << printf_str("%.2f", y1)
        << "\" width=\"" << printf_str("%.1f", bw) << "\" height=\"" << printf_str("%.2f", y0 - y1)
        << "\" fill=\"" << parts[j].second << "\"><title>" << esc(v[i].name) << " "
        << parts[j].first << ": " << esc(fmt_time(seg[j])) << "</title></rect>";
      acc += seg[j];
    }
    o << "<text x=\"" << printf_str("%.1f", x + bw / 2) << "\" y=\"" << H - bottom + 16
      << "\" text-anchor=\"middle\" font-size=\"11.5\" fill=\"#334155\">" << esc(v[i].name)
      << "</text><text x=\"" << printf_str("%.1f", x + bw / 2) << "\" y=\""
      << printf_str("%.1f", Y(acc) - 5) << "\" text-anchor=\"middle\" font-size=\"11\" "
      << "fill=\"#0f172a\">" << esc(fmt_time(acc)) << "</text>";
  }
  o << "<line x1=\"" << left << "\" x2=\"" << W - right << "\" y1=\"" << top + ph << "\" y2=\""
    << top + ph << "\" stroke=\"#94a3b8\"/>";
  o << "</svg><div class=\"caption\">Average per layer a stage works on (as the paper's Fig. "
       "10): compute, NoC communication, and stall waiting for inputs or a busy unit.</div>"
       "</div>\n";
  return o.str();
}

// ---------------------------------------------------------------- 3D stack view

struct Pt {
  double x, y;
};

std::string pts(const std::vector<Pt>& p) {
  std::string s;
  for (const auto& q : p) s += printf_str("%.1f", q.x) + "," + printf_str("%.1f", q.y) + " ";
  return s;
}

std::string legend_bar(const std::string& gid, const std::vector<Rgb>& scale, double x, double y,
                       const std::string& label, double mx) {
  std::ostringstream o;
  o << "<defs><linearGradient id=\"" << gid << "\">";
  for (int i = 0; i <= 10; ++i)
    o << "<stop offset=\"" << i * 10 << "%\" stop-color=\"" << lerp_colour(scale, i / 10.0)
      << "\"/>";
  o << "</linearGradient></defs><text x=\"" << x << "\" y=\"" << y - 6
    << "\" font-size=\"12\" fill=\"#334155\">" << esc(label) << "</text><rect x=\"" << x
    << "\" y=\"" << y << "\" width=\"160\" height=\"12\" fill=\"url(#" << gid
    << ")\" stroke=\"#94a3b8\" stroke-width=\"0.5\"/><text x=\"" << x << "\" y=\"" << y + 26
    << "\" font-size=\"11\" fill=\"#64748b\">0%</text><text x=\"" << x + 160 << "\" y=\"" << y + 26
    << "\" text-anchor=\"end\" font-size=\"11\" fill=\"#64748b\">" << esc(fmt_pct(mx)) << "</text>";
  return o.str();
}

std::string stack_view(const Mode& m, const std::vector<LinkRow>& links) {
  const ojson& s = *m.s;
  struct Tier {
    std::string name, kind;
    int cols = 1, rows = 1;
  };
  std::vector<Tier> tiers;
  if (s.contains("tiers"))
    for (const auto& t : s["tiers"]) {
      Tier x{str(t, "name"), str(t, "kind")};
      if (t.contains("grid") && t["grid"].size() == 2) {
        x.cols = std::max(1, t["grid"][0].get<int>());
        x.rows = std::max(1, t["grid"][1].get<int>());
      }
      tiers.push_back(x);
    }
  const int T = static_cast<int>(tiers.size());
  int C = 1, R = 1;
  for (const auto& t : tiers) C = std::max(C, t.cols), R = std::max(R, t.rows);
  // Oblique projection: x runs right, y runs back (up and right), tiers stack upwards.
  const double w = std::min(72.0, 420.0 / C), dy = std::min(w * 0.42, 150.0 / R), gap = 80;
  const double skew = std::min(w * 0.55, 220.0 / R);
  const double plane_h = R * dy, TH = plane_h + gap;
  const double left = 190, top = 50;
  const double W = left + C * w + R * skew + 250;
  const double H = std::max(top + (T - 1) * TH + plane_h + 30, top + 260);
  auto base = [&](int t) { return top + (T - 1 - t) * TH + plane_h; };
  auto P = [&](int t, double x, double y) { return Pt{left + x * w + y * skew, base(t) - y * dy}; };
  auto centre = [&](int t, int x, int y) { return P(t, x + 0.5, y + 0.5); };

  double cmax = 0, lmax = 0;
  struct Cell {
    std::string name, kind;
    double util = 0, tasks = 0;
    bool present = false;
  };
  std::map<std::array<int, 3>, Cell> cells;
  if (s.contains("cores"))
    for (const auto& c : s["cores"]) {
      Cell e{str(c, "name"), str(c, "kind"), num(c, "utilisation"), num(c, "tasks"), true};
      cells[{c.value("tier", 0), c.value("x", 0), c.value("y", 0)}] = e;
      cmax = std::max(cmax, e.util);
    }
  for (const auto& l : links) lmax = std::max(lmax, l.util);
  auto cell_fill = [&](double u) { return lerp_colour(kCellScale, cmax > 0 ? u / cmax : 0); };
  auto link_col = [&](double u) {
    return u > 0 && lmax > 0 ? lerp_colour(kLinkScale, u / lmax) : std::string(kIdleLink);
  };
  auto valid = [&](int t, int x, int y) {
    return t >= 0 && t < T && x >= 0 && y >= 0 && x < tiers[t].cols && y < tiers[t].rows;
  };

  auto link_svg = [&](const LinkRow& l, Pt a, Pt b, double width, const char* dash) {
    std::ostringstream o;
    o << "<line x1=\"" << printf_str("%.1f", a.x) << "\" y1=\"" << printf_str("%.1f", a.y)
      << "\" x2=\"" << printf_str("%.1f", b.x) << "\" y2=\"" << printf_str("%.1f", b.y)
      << "\" stroke=\"" << link_col(l.util) << "\" stroke-width=\""
      << printf_str("%.1f", l.util > 0 ? width : width * 0.6) << "\" stroke-linecap=\"round\"";
    if (dash) o << " stroke-dasharray=\"" << dash << "\"";
    o << " class=\"link " << esc(l.kind) << "\"><title>" << esc(l.name) << " (" << esc(l.kind)
      << "): " << esc(fmt_pct(l.util)) << " busy, " << esc(fmt_bytes(l.bytes)) << ", "
      << fmt_count(l.packets) << " packets</title></line>";
    return o.str();
  };
  // Vertical and skip links run straight up; both directions side by side, skip links to the
  // right of the column's TSV pair and dashed.
  auto vertical_svg = [&](const LinkRow& l) {
    const bool up = l.tt > l.ft;
    const bool skip = l.kind == "skip" || std::abs(l.tt - l.ft) > 1;
    const double off = (skip ? w * 0.2 : 0) + (up ? 2.5 : -2.5);
    Pt a = centre(l.ft, l.fx, l.fy), b = centre(l.tt, l.tx, l.ty);
    a.x += off, b.x += off;
    return link_svg(l, a, b, 2.6, skip ? "6 4" : nullptr);
  };

  std::ostringstream o;
  o << "<div class=\"panel\"><h3>3D stack: core and link utilisation</h3>"
    << "<svg id=\"" << m.name << "-stack\" viewBox=\"0 0 " << printf_str("%.0f", W) << " "
    << printf_str("%.0f", H)
    << "\" width=\"100%\" style=\"max-width:" << printf_str("%.0f", W * 1.2)
    << "px;display:block;margin:auto\" role=\"img\" aria-label=\"3D stack\">";
  // Links between tiers go first: the tier planes hide their ends, so each shows in the gap
  // it crosses (an exploded view).
  for (const auto& l : links)
    if (l.ft != l.tt && valid(l.ft, l.fx, l.fy) && valid(l.tt, l.tx, l.ty)) o << vertical_svg(l);
  for (int t = 0; t < T; ++t) {
    const Tier& tr = tiers[t];
    const std::vector<Pt> outline = {P(t, -0.15, -0.15), P(t, tr.cols + 0.15, -0.15),
                                     P(t, tr.cols + 0.15, tr.rows + 0.15),
                                     P(t, -0.15, tr.rows + 0.15)};
    o << "<polygon points=\"" << pts(outline) << "\" fill=\""
      << (tr.kind == "systolic" ? "#e0f2fe" : "#f1f5f9")
      << "\" fill-opacity=\"0.85\" stroke=\"#94a3b8\"/>";
    const Pt lab = P(t, 0, 0);
    o << "<text x=\"" << left - 20 << "\" y=\"" << printf_str("%.1f", lab.y - plane_h / 2 + 0)
      << "\" text-anchor=\"end\" font-size=\"13\" font-weight=\"600\" fill=\"#0f172a\">T" << t
      << " " << esc(tr.name) << "</text><text x=\"" << left - 20 << "\" y=\""
      << printf_str("%.1f", lab.y - plane_h / 2 + 16)
      << "\" text-anchor=\"end\" font-size=\"11.5\" fill=\"#64748b\">" << esc(tr.kind) << ", "
      << tr.cols << "×" << tr.rows << "</text>";
    for (int y = tr.rows - 1; y >= 0; --y)
      for (int x = 0; x < tr.cols; ++x) {
        const auto it = cells.find({t, x, y});
        const Cell c = it == cells.end() ? Cell{} : it->second;
        const double in = 0.06;
        const std::vector<Pt> poly = {P(t, x + in, y + in), P(t, x + 1 - in, y + in),
                                      P(t, x + 1 - in, y + 1 - in), P(t, x + in, y + 1 - in)};
        o << "<polygon class=\"cell\" points=\"" << pts(poly) << "\" fill=\""
          << (c.present ? cell_fill(c.util) : "#ffffff") << "\" stroke=\""
          << (c.present && c.tasks > 0 ? "#475569" : "#cbd5e1") << "\" stroke-width=\"0.8\">"
          << "<title>" << esc(c.present ? c.name : "no core") << " (" << esc(c.kind)
          << "): " << esc(fmt_pct(c.util)) << " busy, " << fmt_count(c.tasks)
          << " tasks</title></polygon>";
        if (c.present && w >= 40) {
          const Pt q = centre(t, x, y);
          o << "<text x=\"" << printf_str("%.1f", q.x) << "\" y=\"" << printf_str("%.1f", q.y + 3.5)
            << "\" text-anchor=\"middle\" font-size=\"10.5\" fill=\""
            << (cmax > 0 && c.util / cmax > 0.6 ? "#ffffff" : "#334155")
            << "\" pointer-events=\"none\">" << esc(fmt_pct(c.util)) << "</text>";
        }
      }
    // Planar links of this tier, the two directions offset to either side.
    for (const auto& l : links) {
      if (l.ft != t || l.tt != t || !valid(l.ft, l.fx, l.fy) || !valid(l.tt, l.tx, l.ty)) continue;
      Pt a = centre(t, l.fx, l.fy), b = centre(t, l.tx, l.ty);
      const double dx = b.x - a.x, dyy = b.y - a.y, len = std::hypot(dx, dyy);
      if (len <= 0) continue;
      const double nx = -dyy / len * 2.4, ny = dx / len * 2.4;
      // Shorten so the line does not hide the cell labels.
      const double cut = 0.3;
      Pt a2{a.x + dx * cut + nx, a.y + dyy * cut + ny},
          b2{b.x - dx * cut + nx, b.y - dyy * cut + ny};
      o << link_svg(l, a2, b2, 3.0, nullptr);
    }
  }
  // Legends.
  const double lx = left + C * w + R * skew + 40;
  o << legend_bar(m.name + "-cell-grad", kCellScale, lx, top + 20, "core utilisation", cmax)
    << legend_bar(m.name + "-link-grad", kLinkScale, lx, top + 90, "link utilisation", lmax);
  const double ky = top + 150;
  o << "<line x1=\"" << lx << "\" x2=\"" << lx + 30 << "\" y1=\"" << ky << "\" y2=\"" << ky
    << "\" stroke=\"#2171b5\" stroke-width=\"3\"/><text x=\"" << lx + 38 << "\" y=\"" << ky + 4
    << "\" font-size=\"12\" fill=\"#334155\">planar link</text>"
    << "<line x1=\"" << lx + 15 << "\" x2=\"" << lx + 15 << "\" y1=\"" << ky + 14 << "\" y2=\""
    << ky + 40 << "\" stroke=\"#2171b5\" stroke-width=\"2.6\"/><text x=\"" << lx + 38 << "\" y=\""
    << ky + 31 << "\" font-size=\"12\" fill=\"#334155\">vertical (TSV) link</text>"
    << "<line x1=\"" << lx + 15 << "\" x2=\"" << lx + 15 << "\" y1=\"" << ky + 50 << "\" y2=\""
    << ky + 76 << "\" stroke=\"#2171b5\" stroke-width=\"2.6\" stroke-dasharray=\"6 4\"/>"
    << "<text x=\"" << lx + 38 << "\" y=\"" << ky + 67
    << "\" font-size=\"12\" fill=\"#334155\">skip TSV link</text>"
    << "<line x1=\"" << lx << "\" x2=\"" << lx + 30 << "\" y1=\"" << ky + 92 << "\" y2=\""
    << ky + 92 << "\" stroke=\"" << kIdleLink << "\" stroke-width=\"1.8\"/><text x=\"" << lx + 38
    << "\" y=\"" << ky + 96 << "\" font-size=\"12\" fill=\"#334155\">idle link</text>";
  o << "</svg><div class=\"caption\">Bottom tier lowest. Colour scales run from zero to the "
       "largest value in this run. Each link direction is drawn on its own (side by side); "
       "hover a cell or link for its numbers.</div></div>\n";
  return o.str();
}

// ---------------------------------------------------------------- tables

std::string td(const std::string& shown, double sort) {
  return "<td data-sort=\"" + exact(sort) + "\">" + esc(shown) + "</td>";
}
std::string tdl(const std::string& s) {
  return "<td class=\"l\">" + esc(s) + "</td>";
}

std::string noc_tables(const Mode& m, const std::vector<LinkRow>& links) {
  struct Agg {
    int n = 0;
    double usum = 0, umax = 0, bytes = 0, energy = 0;
  };
  std::map<std::string, Agg> by_kind;
  Agg all;
  for (const auto& l : links)
    for (Agg* a : {&by_kind[l.kind], &all}) {
      ++a->n;
      a->usum += l.util;
      a->umax = std::max(a->umax, l.util);
      a->bytes += l.bytes;
      a->energy += l.energy;
    }
  std::ostringstream o;
  o << "<div class=\"grid2\"><div class=\"panel\"><h3>NoC by link kind</h3>";
  if (m.s->contains("noc")) {
    const auto& n = (*m.s)["noc"];
    o << "<div class=\"caption\" style=\"margin:0 0 6px\">" << fmt_count(num(n, "packets"))
      << " packets, " << esc(fmt_bytes(num(n, "bytes"))) << ", " << sig3(num(n, "average_hops"))
      << " hops on average.</div>";
  }
  o << "<table id=\"" << m.name << "-noc-table\"><thead><tr><th class=\"l\">kind</th>"
    << "<th>link directions</th><th>avg util.</th><th>max util.</th><th>bytes</th><th>energy</th>"
    << "</tr></thead><tbody>";
  auto row = [&](const std::string& k, const Agg& a, bool bold) {
    o << "<tr" << (bold ? " style=\"font-weight:600\"" : "") << ">" << tdl(k)
      << td(fmt_count(a.n), a.n) << td(fmt_pct(a.n ? a.usum / a.n : 0), a.n ? a.usum / a.n : 0)
      << td(fmt_pct(a.umax), a.umax) << td(fmt_bytes(a.bytes), a.bytes)
      << td(fmt_energy(a.energy), a.energy) << "</tr>";
  };
  for (const auto& [k, a] : by_kind) row(k, a, false);
  row("all", all, true);
  o << "</tbody></table></div>";

  std::vector<LinkRow> top = links;
  std::sort(top.begin(), top.end(), [](const LinkRow& a, const LinkRow& b) {
    return a.util != b.util ? a.util > b.util : a.bytes > b.bytes;
  });
  if (top.size() > 10) top.resize(10);
  o << "<div class=\"panel\"><h3>Busiest links</h3><table id=\"" << m.name
    << "-busiest-links\"><thead><tr><th class=\"l\">link</th><th class=\"l\">from → to "
       "(tier,x,y)</th><th>util.</th><th>bytes</th><th>queue</th><th>energy</th></tr></thead>"
       "<tbody>";
  for (const auto& l : top) {
    const std::string ends = "(" + std::to_string(l.ft) + "," + std::to_string(l.fx) + "," +
                             std::to_string(l.fy) + ") → (" + std::to_string(l.tt) + "," +
                             std::to_string(l.tx) + "," + std::to_string(l.ty) + ")";
    o << "<tr>" << tdl(l.name) << tdl(ends) << td(fmt_pct(l.util), l.util)
      << td(fmt_bytes(l.bytes), l.bytes) << td(fmt_time(l.queue), l.queue)
      << td(fmt_energy(l.energy), l.energy) << "</tr>";
  }
  o << "</tbody></table></div></div>\n";
  return o.str();
}

std::string kernel_table(const Mode& m, const Csv& k) {
  std::vector<const std::vector<std::string>*> rows;
  for (const auto& r : k.rows) rows.push_back(&r);
  std::stable_sort(rows.begin(), rows.end(), [&](const auto* a, const auto* b) {
    return k.getd(*a, "energy_j") > k.getd(*b, "energy_j");
  });
  double busy = 0, energy = 0, macs = 0;
  std::ostringstream o;
  o << "<div class=\"panel\"><h3>Kernels</h3><div class=\"scroll\"><table class=\"sortable\" id=\""
    << m.name << "-kernels\"><thead><tr><th class=\"l\">kernel</th><th class=\"l\">phase</th>"
    << "<th class=\"l\">unit</th><th class=\"l\">core</th><th>count</th><th>MACs</th>"
    << "<th>busy</th><th>queueing</th><th>energy</th></tr></thead><tbody>";
  for (const auto* r : rows) {
    busy += k.getd(*r, "busy_s");
    energy += k.getd(*r, "energy_j");
    macs += k.getd(*r, "macs");
    o << "<tr>" << tdl(k.get(*r, "kernel")) << tdl(k.get(*r, "phase")) << tdl(k.get(*r, "unit"))
      << tdl(k.get(*r, "core_kind")) << td(fmt_count(k.getd(*r, "count")), k.getd(*r, "count"))
      << td(fmt_count(k.getd(*r, "macs")), k.getd(*r, "macs"))
      << td(fmt_time(k.getd(*r, "busy_s")), k.getd(*r, "busy_s"))
      << td(fmt_time(k.getd(*r, "queue_s")), k.getd(*r, "queue_s"))
      << td(fmt_energy(k.getd(*r, "energy_j")), k.getd(*r, "energy_j")) << "</tr>";
  }
  o << "</tbody></table></div><div class=\"caption\">" << rows.size() << " kernel classes; "
    << fmt_count(macs) << " MACs, " << esc(fmt_time(busy)) << " busy in total, "
    << esc(fmt_energy(energy))
    << " dynamic energy. Busy time adds over units working in parallel. Click a column to "
       "sort.</div></div>\n";
  return o.str();
}

// ---------------------------------------------------------------- compare page pieces

struct Metric {
  const char* id;
  const char* label;
  bool higher_better;
  std::string (*fmt)(double);
};

const std::vector<Metric>& metrics() {
  static const std::vector<Metric> m = {
      {"time-per-sequence", "Time per sequence", false, fmt_time},
      {"throughput", "Throughput", true, fmt_rate},
      {"energy-per-sequence", "Energy per sequence", false, fmt_energy},
      {"epoch-time", "Epoch time", false, fmt_time},
      {"epoch-energy", "Epoch energy", false, fmt_energy},
      {"mac-share", "ReRAM MAC share", true, fmt_pct},
      {"noc-energy", "NoC energy (routers, links, TSVs)", false, fmt_energy}};
  return m;
}

// The value of a metric for one mode's object, as JSON (so a value read from the file prints
// exactly as stored); null when the run has no such value.
ojson metric_value(const ojson& s, const std::string& id) {
  auto get = [&](const char* k) { return s.contains(k) ? s[k] : ojson(); };
  if (id == "time-per-sequence") return get("latency_per_sequence_s");
  if (id == "throughput") return get("throughput_sequences_per_s");
  if (id == "energy-per-sequence") return get("energy_per_sequence_j");
  if (id == "epoch-time") return get("epoch_time_s");
  if (id == "epoch-energy") return get("epoch_energy_j");
  if (id == "mac-share") {
    if (s.contains("reram_mac_share")) return s["reram_mac_share"];
    if (s.contains("mac_split") && s["mac_split"].contains("reram_share"))
      return s["mac_split"]["reram_share"];
    return ojson();
  }
  if (id == "noc-energy" && s.contains("energy_breakdown_j")) {
    const auto& b = s["energy_breakdown_j"];
    return ojson(num(b, "noc_routers") + num(b, "noc_links") + num(b, "tsv"));
  }
  return ojson();
}

std::string compare_chart(const std::string& mode, const std::vector<std::string>& labels,
                          const std::vector<std::vector<double>>& ratio,  // [metric][run]
                          const std::vector<const Metric*>& ms) {
  const size_t R = labels.size();
  double mx = 1;
  for (const auto& r : ratio)
    for (double v : r)
      if (std::isfinite(v)) mx = std::max(mx, v);
  const double step = nice_step(mx, 5), top_v = std::ceil(mx / step) * step;
  const int W = 1200, H = 330, left = 60, right = 10, top = 40, bottom = 50;
  const double ph = H - top - bottom, pw = W - left - right;
  const double group = pw / static_cast<double>(std::max<size_t>(ms.size(), 1));
  const double bw = std::min(40.0, group * 0.8 / static_cast<double>(R));
  auto Y = [&](double v) { return top + ph - ph * v / top_v; };
  std::ostringstream o;
  o << "<svg id=\"cmp-" << mode << "-chart\" viewBox=\"0 0 " << W << " " << H
    << "\" width=\"100%\" role=\"img\" aria-label=\"normalised comparison\">";
  for (size_t i = 0; i < R; ++i)
    o << "<rect x=\"" << left + 180 * i << "\" y=\"10\" width=\"12\" height=\"12\" rx=\"2\" "
      << "fill=\"" << kRunColours[i % kRunColours.size()] << "\"/><text x=\"" << left + 180 * i + 17
      << "\" y=\"20\" font-size=\"12\" fill=\"#334155\">" << esc(labels[i]) << "</text>";
  for (double t = 0; t <= top_v * (1 + 1e-9); t += step)
    o << "<line x1=\"" << left << "\" x2=\"" << W - right << "\" y1=\"" << printf_str("%.1f", Y(t))
      << "\" y2=\"" << printf_str("%.1f", Y(t)) << "\" stroke=\"#e2e8f0\"/><text x=\"" << left - 6
      << "\" y=\"" << printf_str("%.1f", Y(t) + 4)
      << "\" text-anchor=\"end\" font-size=\"11\" fill=\"#64748b\">" << tick_text(t, step)
      << "×</text>";
  o << "<line x1=\"" << left << "\" x2=\"" << W - right << "\" y1=\"" << printf_str("%.1f", Y(1))
    << "\" y2=\"" << printf_str("%.1f", Y(1)) << "\" stroke=\"#0f172a\" stroke-dasharray=\"4 3\"/>";
  for (size_t k = 0; k < ms.size(); ++k) {
    const double gx = left + group * static_cast<double>(k) + (group - bw * R) / 2;
    for (size_t i = 0; i < R; ++i) {
      const double v = ratio[k][i];
      if (!std::isfinite(v)) continue;
      const double x = gx + bw * static_cast<double>(i);
      o << "<rect x=\"" << printf_str("%.1f", x) << "\" y=\"" << printf_str("%.2f", Y(v))
        << "\" width=\"" << printf_str("%.1f", bw - 3) << "\" height=\""
        << printf_str("%.2f", Y(0) - Y(v)) << "\" rx=\"2\" fill=\""
        << kRunColours[i % kRunColours.size()] << "\"><title>" << esc(labels[i]) << ": "
        << fmt_ratio(v) << "</title></rect><text x=\"" << printf_str("%.1f", x + (bw - 3) / 2)
        << "\" y=\"" << printf_str("%.1f", Y(v) - 4)
        << "\" text-anchor=\"middle\" font-size=\"10\" fill=\"#334155\">" << ratio_text(v)
        << "</text>";
    }
    o << "<text x=\"" << printf_str("%.1f", left + group * (k + 0.5)) << "\" y=\""
      << H - bottom + 18 << "\" text-anchor=\"middle\" font-size=\"11.5\" fill=\"#334155\">"
      << esc(std::string(ms[k]->label).substr(0, std::string(ms[k]->label).find(" (")))
      << "</text><text x=\"" << printf_str("%.1f", left + group * (k + 0.5)) << "\" y=\""
      << H - bottom + 33 << "\" text-anchor=\"middle\" font-size=\"10.5\" fill=\"#64748b\">"
      << (ms[k]->higher_better ? "higher is better" : "lower is better") << "</text>";
  }
  o << "</svg>";
  return o.str();
}

}  // namespace

// ---------------------------------------------------------------- public

// Generation: the prefill and decode phases apart (time to first token, time per output token,
// energy per token) and the time of every decode step.
std::string generate_html(const Mode& m) {
  const ojson& s = *m.s;
  if (!s.contains("generate")) return "";
  const ojson& g = s["generate"];
  std::ostringstream o;
  o << "<h3>Generation: prefill and decode</h3><div class=\"cards\">"
    << card("ttft", "time to first token (mean)", g["ttft_s"]["mean"],
            fmt_time(num(g["ttft_s"], "mean")),
            "p50 " + esc(fmt_time(num(g["ttft_s"], "p50"))) + ", p99 " +
                esc(fmt_time(num(g["ttft_s"], "p99"))))
    << card("tpot", "time per output token (mean)", g["tpot_s"]["mean"],
            fmt_time(num(g["tpot_s"], "mean")),
            "p50 " + esc(fmt_time(num(g["tpot_s"], "p50"))) + ", p99 " +
                esc(fmt_time(num(g["tpot_s"], "p99"))))
    << card("tokens-per-s", "tokens / s", g["tokens_per_s"], sig3(num(g, "tokens_per_s")),
            esc(sig3(num(g, "requests_per_s"))) + " requests/s")
    << card("energy-decode", "energy / output token", g["energy_per_output_token_j"],
            fmt_energy(num(g, "energy_per_output_token_j")),
            "prefill " + esc(fmt_energy(num(g, "energy_per_prompt_token_j"))) + " per prompt token")
    << card("kv-cache", "KV cache / request", g["kv_cache_bytes_per_request"],
            fmt_bytes(num(g, "kv_cache_bytes_per_request")),
            esc(fmt_bytes(num(g, "kv_cache_bytes_per_token"))) + " per token, in " +
                esc(str(g, "kv_cache_placement")))
    << "</div><table id=\"generate-phases\"><thead><tr><th class=\"l\">phase</th><th>time</th>"
    << "<th>energy</th></tr></thead><tbody><tr><td class=\"l\">prefill</td><td>"
    << esc(fmt_time(num(g, "prefill_time_s"))) << "</td><td>"
    << esc(fmt_energy(num(g, "energy_prefill_j"))) << "</td></tr><tr><td class=\"l\">decode ("
    << esc(str(g, "decode_steps")) << " steps)</td><td>" << esc(fmt_time(num(g, "decode_time_s")))
    << "</td><td>" << esc(fmt_energy(num(g, "energy_decode_j"))) << "</td></tr></tbody></table>";
  if (g.contains("decode_bottleneck") && g["decode_bottleneck"].contains("stage"))
    o << "<p>Decode bottleneck: <b>" << esc(str(g["decode_bottleneck"], "stage")) << "</b> on "
      << esc(str(g["decode_bottleneck"], "core")) << " ("
      << esc(fmt_pct(num(g["decode_bottleneck"], "share_of_decode_time")))
      << " of the decode time).</p>";
  o << "<p>Decode step times:";
  for (const auto& t : g["decode_step_time_s"]) o << " " << esc(fmt_time(t.get<double>()));
  o << "</p>";
  return o.str();
}

// A serving run (--arrival-rate): the latency distributions, the throughput and every request.
// It has no single simulation, so none of the per-run breakdowns.
std::string serving_html(const Mode& m) {
  const ojson& g = (*m.s)["generate"];
  const ojson& v = g["serving"];
  auto dist_card = [](const char* id, const char* label, const ojson& d) {
    return card(id, label, d["mean"], fmt_time(num(d, "mean")),
                "p50 " + esc(fmt_time(num(d, "p50"))) + ", p99 " + esc(fmt_time(num(d, "p99"))));
  };
  std::ostringstream o;
  o << "<h3>Serving: continuous batching</h3><p>" << esc(str(v, "requests"))
    << " requests, Poisson at " << esc(sig3(num(v, "arrival_rate_per_s"))) << "/s (seed "
    << esc(str(v, "seed")) << "), batch up to " << esc(str(v, "max_batch")) << "; "
    << esc(str(v, "policy")) << ".</p>"
    << "<div class=\"cards\">" << dist_card("ttft", "time to first token (mean)", g["ttft_s"])
    << dist_card("tpot", "time per output token (mean)", g["tpot_s"])
    << dist_card("queueing", "queueing delay (mean)", v["queueing_delay_s"])
    << card("tokens-per-s", "tokens / s", g["tokens_per_s"], sig3(num(g, "tokens_per_s")),
            esc(sig3(num(g, "requests_per_s"))) + " requests/s")
    << card("decode-batch", "decode batch (mean)", v["mean_decode_batch"],
            sig3(num(v, "mean_decode_batch")),
            esc(str(v, "decode_steps")) + " steps, " + esc(str(v, "prefills")) + " prefills")
    << "</div><table id=\"serving-requests\"><thead><tr><th>request</th><th>arrival</th>"
    << "<th>queueing</th><th>TTFT</th><th>TPOT</th><th>mean batch</th></tr></thead><tbody>";
  for (const auto& r : v["records"])
    o << "<tr><td>" << esc(str(r, "id")) << "</td><td>" << esc(fmt_time(num(r, "arrival_s")))
      << "</td><td>" << esc(fmt_time(num(r, "queueing_s"))) << "</td><td>"
      << esc(fmt_time(num(r, "ttft_s"))) << "</td><td>" << esc(fmt_time(num(r, "tpot_s")))
      << "</td><td>" << esc(sig3(num(r, "mean_decode_batch"))) << "</td></tr>";
  o << "</tbody></table>";
  return o.str();
}

std::string render_run_report(const nlohmann::ordered_json& summary, const std::string& kernels_csv,
                              const std::string& links_csv) {
  const auto ms = modes_of(summary);
  const ojson empty = ojson::object();
  const ojson& w = summary.contains("workload") ? summary["workload"] : empty;
  std::ostringstream hdr, body;
  hdr << "<h1>Atleus VP run report</h1><div class=\"sub\">" << esc(str(w, "model")) << " · "
      << esc(str(w, "task")) << " on <b>" << esc(str(summary, "platform")) << "</b> · "
      << esc(str(summary, "tool", "atleus-vp")) << "</div><nav>";
  for (const auto& m : ms) hdr << "<a href=\"#" << m.name << "\">" << mode_title(m.name) << "</a>";
  hdr << "</nav>";
  for (const auto& m : ms) {
    if (m.s->contains("generate") && (*m.s)["generate"].contains("serving")) {
      body << "<section class=\"mode\" id=\"" << m.name << "\"><h2>" << mode_title(m.name)
           << "</h2>" << inputs_html(summary, m) << serving_html(m) << "</section>\n";
      continue;
    }
    const Csv kernels = parse_csv(kernels_csv, m.name);
    const auto links = link_rows(parse_csv(links_csv, m.name));
    body << "<section class=\"mode\" id=\"" << m.name << "\"><h2>" << mode_title(m.name) << "</h2>"
         << inputs_html(summary, m) << headline_html(m) << generate_html(m)
         << warnings_html(m, links) << "<div class=\"grid2\">" << energy_chart(m) << stage_chart(m)
         << "</div>" << stack_view(m, links) << noc_tables(m, links) << kernel_table(m, kernels)
         << "</section>\n";
  }
  if (ms.empty()) body << "<p>No mode found in summary.json.</p>";
  return page("Atleus VP report: " + str(w, "model") + " on " + str(summary, "platform"), hdr.str(),
              body.str());
}

std::string render_compare_report(
    const std::vector<std::pair<std::string, nlohmann::ordered_json>>& runs) {
  std::ostringstream hdr, body;
  hdr << "<h1>Atleus VP comparison</h1><div class=\"sub\">" << runs.size()
      << " runs; ratios are to the first run (" << esc(runs.empty() ? "-" : runs[0].first)
      << ")</div>";
  // The runs' inputs.
  body << "<div class=\"panel\"><h3>Runs</h3><table id=\"cmp-runs\"><thead><tr><th class=\"l\">#"
       << "</th><th class=\"l\">label</th><th class=\"l\">platform</th><th class=\"l\">model</th>"
       << "<th class=\"l\">task</th><th>seq_len</th><th>batch</th><th class=\"l\">quant</th>"
       << "<th class=\"l\">modes</th></tr></thead><tbody>";
  std::vector<std::vector<Mode>> modes;
  for (size_t i = 0; i < runs.size(); ++i) {
    const auto& s = runs[i].second;
    const ojson empty = ojson::object();
    const ojson& w = s.contains("workload") ? s["workload"] : empty;
    modes.push_back(modes_of(s));
    std::string ml;
    for (const auto& m : modes.back()) ml += (ml.empty() ? "" : ", ") + m.name;
    body << "<tr><td class=\"l\"><span style=\"display:inline-block;width:10px;height:10px;"
         << "border-radius:2px;background:" << kRunColours[i % kRunColours.size()] << "\"></span> "
         << i << "</td>" << tdl(runs[i].first) << tdl(str(s, "platform")) << tdl(str(w, "model"))
         << tdl(str(w, "task")) << "<td>" << esc(str(w, "seq_len")) << "</td><td>"
         << esc(str(w, "batch")) << "</td>" << tdl(str(w, "quant")) << tdl(ml) << "</tr>";
  }
  body << "</tbody></table></div>\n";

  for (const char* mode : {"finetune", "inference"}) {
    std::vector<const ojson*> per_run;
    for (const auto& ml : modes)
      for (const auto& m : ml)
        if (m.name == mode) per_run.push_back(m.s);
    if (runs.empty() || per_run.size() != runs.size()) continue;
    std::vector<const Metric*> shown;
    std::vector<std::vector<double>> ratios;
    std::ostringstream tab;
    tab << "<table id=\"cmp-" << mode << "-table\"><thead><tr><th class=\"l\">metric</th>";
    for (size_t i = 0; i < runs.size(); ++i) tab << "<th>" << esc(runs[i].first) << "</th>";
    tab << "</tr></thead><tbody>";
    for (const auto& mt : metrics()) {
      std::vector<ojson> vals;
      bool any = false;
      for (const auto* s : per_run) {
        vals.push_back(metric_value(*s, mt.id));
        any = any || vals.back().is_number();
      }
      if (!any) continue;
      shown.push_back(&mt);
      ratios.emplace_back();
      const bool has_base = vals[0].is_number() && vals[0].get<double>() != 0;
      tab << "<tr><td class=\"l\">" << esc(mt.label) << "</td>";
      for (size_t i = 0; i < vals.size(); ++i) {
        const std::string id = std::string("cmp-") + mode + "-" + mt.id + "-" + std::to_string(i);
        if (!vals[i].is_number()) {
          tab << "<td>-</td>";
          ratios.back().push_back(std::nan(""));
          continue;
        }
        const double v = vals[i].get<double>();
        tab << "<td><span id=\"" << id << "\" data-value=\"" << exact(vals[i]) << "\">"
            << esc(mt.fmt(v)) << "</span>";
        if (has_base) {
          const double r = v / vals[0].get<double>();
          ratios.back().push_back(r);
          const bool better = mt.higher_better ? r > 1 : r < 1;
          tab << "<span class=\"ratio "
              << (i == 0 || std::fabs(r - 1) < 0.005 ? ""
                  : better                           ? "better"
                                                     : "worse")
              << "\" id=\"" << id << "-ratio\" data-value=\"" << exact(r) << "\">" << fmt_ratio(r)
              << "</span>";
        } else {
          ratios.back().push_back(std::nan(""));
        }
        tab << "</td>";
      }
      tab << "</tr>";
    }
    tab << "</tbody></table>";
    std::vector<std::string> labels;
    for (const auto& r : runs) labels.push_back(r.first);
    body << "<section class=\"mode\" id=\"" << mode << "\"><h2>" << mode_title(mode) << "</h2>"
         << "<div class=\"panel\"><h3>Headline figures</h3>" << tab.str()
         << "<div class=\"caption\">Each value with its ratio to " << esc(runs[0].first)
         << "; green is better, red worse.</div></div><div class=\"panel\"><h3>Normalised to "
         << esc(runs[0].first) << "</h3>" << compare_chart(mode, labels, ratios, shown)
         << "</div></section>\n";
  }
  return page("Atleus VP comparison", hdr.str(), body.str());
}

}  // namespace atleus::cli
