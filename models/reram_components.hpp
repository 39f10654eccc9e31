// The components of an ISAAC-style ReRAM tile, each with its area, power at full activity,
// static (clocked) power and energy per event, scaled by the core's parameters. ReramCore takes
// its area, static power and event energies from here.
//
// Reference figures: ISAAC (Shafiee et al., ISCA 2016), Table 2, 32 nm. One tile = 12 in-situ
// MAC units (IMAs) + tile-level parts. Per IMA: 8 ADCs (8 bit, 1.28 GS/s) 16 mW 0.0096 mm^2;
// 8 x 128 1-bit DACs 4 mW 0.00017 mm^2; 8 x 128 sample-and-hold 10 uW 0.00004 mm^2; 8 crossbar
// arrays (128 x 128, 2-bit cells) 2.4 mW 0.0002 mm^2; 4 shift-and-add 0.2 mW 0.00024 mm^2;
// input register 2 KB 1.24 mW 0.0021 mm^2; output register 256 B 0.23 mW 0.00077 mm^2.
// Per tile: eDRAM buffer 64 KB 20.7 mW 0.083 mm^2; eDRAM-to-IMA bus (384 wires) 7 mW
// 0.090 mm^2; router (8 ports, 32 flits) 42 mW 0.151 mm^2 shared by 4 tiles; 2 sigmoid units
// 0.52 mW 0.0006 mm^2; shift-and-add 0.05 mW 0.00006 mm^2; max-pool 0.4 mW 0.00024 mm^2;
// output register 3 KB 1.68 mW 0.0032 mm^2. Tile total: 330 mW, 0.372 mm^2.
//
// Scaling with the parameters (each a first-order published model):
// - crossbar array: area and read power per cell, so x rows x cols / (128 x 128); bits per cell
//   change what a cell stores (cells per weight, the ADC resolution needed), not its footprint.
//   Read energy = array power x read cycle (a column's read energy grows with its rows).
// - ADC: energy per conversion E = FoM x 2^bits (Walden, "Analog-to-digital converter survey
//   and analysis", IEEE JSAC 1999), FoM anchored at ISAAC's 2 mW / 1.28 GS/s / 2^8; area
//   doubles per bit (the capacitive DAC of a SAR ADC has 2^bits unit capacitors: Saberi et al.,
//   IEEE TCAS-I 2011, the scaling Accelergy's ISAAC library and NeuroSim use); sample rate
//   fs = fs_ref x ref_bits / bits (a SAR resolves one bit per comparator cycle: ISAAC's ADC is
//   the asynchronous SAR of Kull et al., ISSCC 2013). Power at full activity = E x fs.
// - DAC: a v-bit DAC has 2^v - 1 unit elements (same binary-weighted scaling): area and energy
//   per activation x (2^v - 1); one DAC per crossbar row.
// - sample-and-hold: one per crossbar column. Shift-and-add: one per 2 ADCs (ISAAC: 4 per 8),
//   energy per add = its power / the ADC samples it takes at 1.28 GS/s.
// - input / output registers: 16 bits per crossbar row (2 KB per 8 x 128 rows) and 2 bits per
//   crossbar column (256 B per 8 x 128 columns; tile output register 3 KB for 96 x 128);
//   area and power per byte.
// - eDRAM buffer: area proportional to capacity; access energy per byte x sqrt(capacity /
//   64 KB), the CACTI-style first-order scaling (bit line and H-tree length grow with the square
//   root of capacity; Horowitz ISSCC 2014's SRAM figures, 10 / 20 / 100 pJ per 64-bit access
//   at 8 KB / 32 KB / 1 MB, follow it within 15%).
// - eDRAM-to-IMA bus: spans the IMAs, so area and power x crossbars / 96.
// - dequantisation (Atleus section 2): +2.15% area, +1.5% power of the ISAAC tile, per crossbar;
//   energy per op = its power over the ops a crossbar produces at the reference rate (128
//   columns / 4 cells per 8-bit weight = 32 outputs per 8 read cycles of 100 ns).
// - router share, sigmoid, tile shift-and-add, max-pool: fixed per tile (counts are parameters
//   for sigmoid and max-pool).
// Which power is charged how: event energies for crossbars, ADCs, DACs, shift-and-add, eDRAM and
// dequantisation; clocked parts (S+H, registers, bus, sigmoid, max-pool) as static power; the
// router share and the tile shift-and-add (traffic between tiles and IMAs is not modelled) are
// in the area and peak power only.
// Pure C++ (no SystemC).
#pragma once

#include <vector>

#include "atleus/models/component.hpp"

namespace atleus {

struct ReramCoreParams;

namespace isaac {
// ISAAC (Shafiee et al., ISCA 2016) Table 2, 32 nm: reference organisation.
constexpr unsigned kRows = 128, kCols = 128;  // crossbar
constexpr unsigned kImasPerTile = 12, kCrossbarsPerIma = 8;
constexpr unsigned kCrossbarsPerTile = kImasPerTile * kCrossbarsPerIma;  // 96
constexpr double kAdcSampleRateGsps = 1.28;
constexpr double kReadCycleNs = 100.0;
constexpr double kTileAreaMm2 = 0.372;  // one tile, total
constexpr double kTilePowerW = 0.330;   // one tile, total
// Per unit (the table's per-IMA or per-tile figure over its count).
constexpr double kXbarPowerW = 2.4e-3 / 8, kXbarAreaMm2 = 0.0002 / 8;
constexpr double kAdcPowerW = 16e-3 / 8, kAdcAreaMm2 = 0.0096 / 8;  // 8 bit, 1.28 GS/s
constexpr unsigned kAdcBits = 8;
constexpr double kDacPowerW = 4e-3 / 1024, kDacAreaMm2 = 0.00017 / 1024;  // 1 bit
constexpr double kShPowerW = 10e-6 / 1024, kShAreaMm2 = 0.00004 / 1024;
constexpr double kShiftAddPowerW = 0.2e-3 / 4, kShiftAddAreaMm2 = 0.00024 / 4;
constexpr unsigned kAdcsPerShiftAdd = 2;  // 4 shift-and-add units per 8 ADCs
constexpr double kIrPowerW = 1.24e-3, kIrAreaMm2 = 0.0021, kIrBytes = 2048;  // per IMA
constexpr double kOrPowerW = 0.23e-3, kOrAreaMm2 = 0.00077, kOrBytes = 256;  // per IMA
constexpr double kEdramPowerW = 20.7e-3, kEdramAreaMm2 = 0.083, kEdramKib = 64;
constexpr double kEdramPortBytesPerNs = 32.0;  // 256-bit port at 1 ns (Accelergy ISAAC library)
constexpr double kBusPowerW = 7e-3, kBusAreaMm2 = 0.090;  // spans the 12 IMAs
constexpr double kRouterPowerW = 42e-3, kRouterAreaMm2 = 0.151;
constexpr unsigned kTilesPerRouter = 4;
constexpr double kSigmoidPowerW = 0.52e-3 / 2, kSigmoidAreaMm2 = 0.0006 / 2;
constexpr double kTileShiftAddPowerW = 0.05e-3, kTileShiftAddAreaMm2 = 0.00006;
constexpr double kMaxPoolPowerW = 0.4e-3, kMaxPoolAreaMm2 = 0.00024;
constexpr double kTileOrPowerW = 1.68e-3, kTileOrAreaMm2 = 0.0032, kTileOrBytes = 3072;
}  // namespace isaac

using ReramComponent = Component;

// The tile's components under `p` (dequantisation included when its overheads are non-zero).
std::vector<ReramComponent> reram_tile_components(const ReramCoreParams& p);

// Energy per event, from the components.
struct ReramEventEnergies {
  double xbar_read_pj = 0;       // one crossbar read cycle (all its cells)
  double adc_conversion_pj = 0;  // one ADC conversion
  double dac_bit_pj = 0;         // one DAC activation (one row, one input slice)
  double shift_add_pj = 0;       // one converted sample shifted into a partial sum
  double dequant_pj = 0;         // one per-crossbar output dequantised
  double buffer_byte_pj = 0;     // one eDRAM byte read or written
};
ReramEventEnergies reram_event_energies(const ReramCoreParams& p);

// The ADC at p.adc_bits.
double adc_conversion_pj(const ReramCoreParams& p);     // FoM x 2^bits
double adc_area_mm2(const ReramCoreParams& p);          // ISAAC's x 2^(bits - ref_bits)
double adc_sample_rate_gsps(const ReramCoreParams& p);  // fs x ref_bits / bits

double tile_area_mm2(const ReramCoreParams& p);
double tile_peak_power_w(const ReramCoreParams& p);
double tile_static_power_w(const ReramCoreParams& p);

}  // namespace atleus
