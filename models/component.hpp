// One kind of component of a block (a ReRAM tile's ADCs, a systolic core's SRAM, a router's
// buffers): all its units together, with area and power. Blocks list their components so the
// platform can report area and static power per component (describe --json).
#pragma once

#include <string>

namespace atleus {

struct Component {
  std::string name;
  double units = 0.0;           // how many (bytes for registers, buffers and memories)
  double area_mm2 = 0.0;        // all units
  double peak_power_w = 0.0;    // all units at full activity
  double static_power_w = 0.0;  // charged while the block is on (leakage, clocked parts)
  double energy_pj = 0.0;       // per event where charged per event, else 0
};

}  // namespace atleus
