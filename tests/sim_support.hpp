// Helpers of the simulation tests that drive an elaborated platform from a thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <systemc>
#include <utility>

#include "atleus/platform/netlist.hpp"
#include "atleus/platform/port_fillers.hpp"

namespace sim_support {

inline std::string data(const std::string& f) {
  return std::string(ATLEUS_SOURCE_DIR) + "/tests/data/platforms/" + f;
}

// Runs `body` in an SC_THREAD of a small driver module.
struct Driver : sc_core::sc_module {
  SC_HAS_PROCESS(Driver);
  std::function<void()> body;
  Driver(sc_core::sc_module_name n, std::function<void()> b) : sc_module(n), body(std::move(b)) {
    SC_THREAD(run);
  }
  void run() { body(); }
};

// Sinks that answer at once, so a latency is the network's alone.
inline std::unique_ptr<atleus::Endpoint> sink(const atleus::Site& site) {
  return std::make_unique<atleus::HostStub>(("sink_" + site.name).c_str());
}

}  // namespace sim_support
