// HTML reports of runs: one self-contained page (inline CSS and SVG, a few lines of inline
// script for sortable tables; no network access) built from a run's summary.json, kernels.csv
// and links.csv, and a page comparing several runs the way the paper compares platforms.
//
// Every headline value is an element with a stable id and a data-value attribute holding the
// exact number from summary.json (the text shown may be rounded):
//   run page:     id="<mode>-<metric>" with metric one of time-per-sequence (the
//                 latency_per_sequence_s), simulated-time, throughput, bottleneck-throughput,
//                 energy, energy-per-sequence, epoch-time, epoch-energy (fine-tuning only);
//                 charts: <mode>-energy-chart, <mode>-stage-chart, <mode>-stack (SVG elements).
//   compare page: id="cmp-<mode>-<metric>-<i>" (run i, value) and "cmp-<mode>-<metric>-<i>-ratio"
//                 (value / the first run's value), metric one of time-per-sequence, throughput,
//                 energy-per-sequence, epoch-time, epoch-energy, mac-share, noc-energy
//                 (noc_routers + noc_links + tsv energy); chart id="cmp-<mode>-chart".
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace atleus::cli {

// `summary` is a summary.json (both modes under "finetune"/"inference", or one mode at the top
// level); the CSV texts are the run's kernels.csv and links.csv with their header lines.
std::string render_run_report(const nlohmann::ordered_json& summary, const std::string& kernels_csv,
                              const std::string& links_csv);

// `runs` are (label, summary.json) pairs; ratios are to the first run. Modes present in every
// run are compared.
std::string render_compare_report(
    const std::vector<std::pair<std::string, nlohmann::ordered_json>>& runs);

}  // namespace atleus::cli
