// sweep.html: a self-contained page of a sweep (no network): the spec, status counts, a
// sortable table with links to each point's report, and a scatter of any two metrics with the
// Pareto front drawn and points coloured by a third.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace atleus::cli {

// `page` holds spec_file, spec, columns, rows (cells as text, then 1 if on the front),
// objectives [{metric, goal}], metrics, counts and version.
std::string render_sweep_html(const nlohmann::ordered_json& page);

}  // namespace atleus::cli
