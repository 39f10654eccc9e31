#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "atleus/models/param_check.hpp"
#include "atleus/noc/flit_network.hpp"
#include "atleus/platform/run/traffic_run.hpp"
#include "atleus/platform/yaml_config.hpp"
#include "sc_main/cli_common.hpp"

namespace atleus::cli {

int run_traffic_cmd(const PlatformOptions& p, const TrafficCliOptions& t) {
  const PlatformConfig cfg = load(p);
  check_traffic_size(cfg, t.packets, t.force);
  TrafficOptions opt;
  opt.traffic.pattern = parse_traffic_pattern(t.pattern);
  opt.traffic.injection_rate = t.rate;
  opt.traffic.flits_per_packet = t.packet_flits;
  opt.traffic.seed = t.seed;
  opt.traffic.hotspot_fraction = t.hotspot_fraction;
  opt.packets_per_node = t.packets;
  opt.check_protocol = t.check_protocol;
  if (t.check_protocol && cfg.noc.model != noc::NocModel::kPacket)
    throw ConfigError(cfg.noc_model_at.file.empty() ? cfg.file : cfg.noc_model_at.file,
                      cfg.noc_model_at.line, cfg.noc_model_at.column, "noc.model",
                      "--check-protocol checks the TLM sockets of the packet model; the flit "
                      "model has none");
  TrafficResult r;
  try {
    r = run_traffic(cfg, opt);
  } catch (const noc::FlitDeadlock& e) {
    // A valid platform whose routing deadlocks in the flit model: infeasible, not bad input.
    std::cerr << "atleus-vp: error: " << e.what() << "\n";
    return 3;
  } catch (const ParamError& e) {
    throw ConfigError("command line", 0, 0, "--" + e.field(), e.what());
  } catch (const std::invalid_argument& e) {
    // The platform was checked when it loaded: what is left is the pattern against its shape.
    throw ConfigError("command line", 0, 0, "--pattern", e.what());
  }

  if (t.json) {
    nlohmann::ordered_json j = {{"platform", cfg.name},
                                {"noc_model", noc::to_string(r.model)},
                                {"pattern", t.pattern},
                                {"packet_flits", t.packet_flits},
                                {"nodes", r.nodes},
                                {"offered_rate", t.rate},
                                {"measured_offered_rate", r.offered_rate},
                                {"accepted_rate", r.accepted_rate},
                                {"avg_latency_ns", r.avg_latency_ns},
                                {"p50_latency_ns", r.p50_latency_ns},
                                {"p99_latency_ns", r.p99_latency_ns},
                                {"max_latency_ns", r.max_latency_ns},
                                {"avg_hops", r.avg_hops},
                                {"avg_queue_ns", r.avg_queue_ns},
                                {"packets_measured", r.packets_sent},
                                {"flits_delivered", r.flits_delivered},
                                {"energy_j", r.energy_j},
                                {"energy_per_bit_j", r.energy_per_bit_j},
                                {"noc_clock_mhz", r.noc_clock_mhz},
                                {"simulated_time_s", r.simulated_s}};
    if (r.model == noc::NocModel::kFlit) j["router_traversals"] = r.router_traversals;
    if (r.protocol_checked)
      j["protocol_check"] = {{"bindings", r.protocol.bindings},
                             {"transactions", r.protocol.transactions},
                             {"violations", r.protocol.violations},
                             {"first_violations", r.protocol.first_violations}};
    std::cout << j.dump(2) << "\n";
    return r.protocol.violations > 0 ? 1 : 0;
  }
  std::printf(
      "Traffic on %s (%s NoC model): %s, offered %.4f flits/node/cycle, %u-flit packets, %d "
      "nodes\n",
      cfg.name.c_str(), noc::to_string(r.model), t.pattern.c_str(), t.rate, t.packet_flits,
      r.nodes);
  std::printf("  injected rate      %.4f flits/node/cycle (measured)\n", r.offered_rate);
  std::printf("  accepted rate      %.4f flits/node/cycle\n", r.accepted_rate);
  std::printf("  latency avg        %.2f ns (p50 %.2f, p99 %.2f, max %.2f)\n", r.avg_latency_ns,
              r.p50_latency_ns, r.p99_latency_ns, r.max_latency_ns);
  std::printf("  hops avg           %.3f\n", r.avg_hops);
  std::printf("  queueing avg       %.2f ns per packet\n", r.avg_queue_ns);
  std::printf("  energy             %.4g J (%.4g pJ/bit)\n", r.energy_j, r.energy_per_bit_j * 1e12);
  std::printf("  simulated time     %.4g s, %llu packets measured\n", r.simulated_s,
              static_cast<unsigned long long>(r.packets_sent));
  if (r.protocol_checked) {
    std::printf("  protocol check     %llu transactions on %llu bindings: %llu violations\n",
                static_cast<unsigned long long>(r.protocol.transactions),
                static_cast<unsigned long long>(r.protocol.bindings),
                static_cast<unsigned long long>(r.protocol.violations));
    for (const auto& v : r.protocol.first_violations)
      std::fprintf(stderr, "atleus-vp: protocol violation: %s\n", v.c_str());
  }
  return r.protocol.violations > 0 ? 1 : 0;
}

}  // namespace atleus::cli
