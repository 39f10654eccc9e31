// BlockModel: what every compute block model reports besides its TLM sockets, so a run can
// collect energy from any kind of block without knowing its class. Timing style and transport
// are the Endpoint's; this adds only statistics.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "atleus/models/endpoint.hpp"

namespace atleus {

class BlockModel : public Endpoint {
 public:
  using Endpoint::Endpoint;

  // How the block's static power is charged over a run.
  enum class StaticCharge {
    kNone,       // power-gated: nothing
    kWholeRun,   // static power x the run's length
    kWhileBusy,  // clock-gated when idle: static power x the time the block computed
  };

  // Dynamic energy so far, by event class (the run's energy breakdown keys, e.g. "reram",
  // "systolic", "sfu"), in the order the run adds them.
  virtual std::vector<std::pair<std::string, double>> dynamic_energy_j() const = 0;
  // The same energy by component within its class, e.g. ("reram", "adc"); the components of a
  // class sum to its dynamic_energy_j(). Empty when the block reports no finer split.
  struct ComponentEnergy {
    std::string event_class, component;
    double joules = 0.0;
  };
  virtual std::vector<ComponentEnergy> dynamic_energy_by_component_j() const { return {}; }
  virtual StaticCharge static_charge() const { return StaticCharge::kWholeRun; }
  // Static energy over `elapsed_ps` of charged time.
  virtual double static_energy_j(uint64_t elapsed_ps) const = 0;
};

}  // namespace atleus
