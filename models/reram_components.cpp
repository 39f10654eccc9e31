#include "atleus/models/reram_components.hpp"

#include <cmath>

#include "atleus/models/reram_core.hpp"

namespace atleus {

namespace {

constexpr double kPjPerJ = 1e12;

// Reference energy of one dequantised output (see the header): the per-crossbar share of the
// dequantisation power over 32 outputs per 8 read cycles of 100 ns.
double dequant_op_pj(const ReramCoreParams& p) {
  const double per_crossbar_w =
      p.dequant_power_overhead * isaac::kTilePowerW / isaac::kCrossbarsPerTile;
  const double outputs = static_cast<double>(isaac::kCols) / 4.0;  // 8-bit weights, 2-bit cells
  const double seconds = 8.0 * isaac::kReadCycleNs * 1e-9;         // 8-bit inputs, bit-serial
  return per_crossbar_w * seconds / outputs * kPjPerJ;
}

}  // namespace

double adc_conversion_pj(const ReramCoreParams& p) {
  return p.adc_fom_fj_per_step * std::ldexp(1.0, static_cast<int>(p.adc_bits)) * 1e-3;
}

double adc_area_mm2(const ReramCoreParams& p) {
  return isaac::kAdcAreaMm2 *
         std::ldexp(1.0, static_cast<int>(p.adc_bits) - static_cast<int>(p.adc_ref_bits));
}

double adc_sample_rate_gsps(const ReramCoreParams& p) {
  return p.adc_sample_rate_gsps * p.adc_ref_bits / p.adc_bits;
}

ReramEventEnergies reram_event_energies(const ReramCoreParams& p) {
  ReramEventEnergies e;
  const double cells = static_cast<double>(p.crossbar_rows) * p.crossbar_cols /
                       (static_cast<double>(isaac::kRows) * isaac::kCols);
  const double dac_units = std::ldexp(1.0, static_cast<int>(p.dac_bits)) - 1.0;
  e.xbar_read_pj = isaac::kXbarPowerW * cells * p.read_cycle_ns * 1e-9 * kPjPerJ;
  e.adc_conversion_pj = adc_conversion_pj(p);
  e.dac_bit_pj = isaac::kDacPowerW * dac_units * p.read_cycle_ns * 1e-9 * kPjPerJ;
  e.shift_add_pj = isaac::kShiftAddPowerW /
                   (isaac::kAdcsPerShiftAdd * isaac::kAdcSampleRateGsps * 1e9) * kPjPerJ;
  e.dequant_pj = dequant_op_pj(p);
  e.buffer_byte_pj = isaac::kEdramPowerW / (isaac::kEdramPortBytesPerNs * 1e9) * kPjPerJ *
                     std::sqrt(p.buffer_kib / isaac::kEdramKib);
  return e;
}

std::vector<ReramComponent> reram_tile_components(const ReramCoreParams& p) {
  const ReramEventEnergies e = reram_event_energies(p);
  const double X = p.crossbars_per_tile, R = p.crossbar_rows, C = p.crossbar_cols;
  const double A = p.adcs_per_tile;
  const double cells = R * C / (static_cast<double>(isaac::kRows) * isaac::kCols);
  const double dac_units = std::ldexp(1.0, static_cast<int>(p.dac_bits)) - 1.0;
  const double per_xbar = X / isaac::kCrossbarsPerTile;
  std::vector<ReramComponent> v;
  auto add = [&](const char* name, double units, double area, double peak, bool clocked,
                 double energy_pj) {
    v.push_back({name, units, area, peak, clocked ? peak : 0.0, energy_pj});
  };
  add("crossbars", X, X * isaac::kXbarAreaMm2 * cells, X * isaac::kXbarPowerW * cells, false,
      e.xbar_read_pj);
  add("adcs", A, A * adc_area_mm2(p),
      A * e.adc_conversion_pj * 1e-12 * adc_sample_rate_gsps(p) * 1e9, false, e.adc_conversion_pj);
  add("dacs", X * R, X * R * isaac::kDacAreaMm2 * dac_units, X * R * isaac::kDacPowerW * dac_units,
      false, e.dac_bit_pj);
  add("sample_hold", X * C, X * C * isaac::kShAreaMm2, X * C * isaac::kShPowerW, true, 0.0);
  const double sa = std::ceil(A / isaac::kAdcsPerShiftAdd);
  add("shift_add", sa, sa * isaac::kShiftAddAreaMm2, sa * isaac::kShiftAddPowerW, false,
      e.shift_add_pj);
  // 16 bits per crossbar row, 2 bits per crossbar column (ISAAC's 2 KB and 256 B per IMA).
  const double ir_bytes = X * R * isaac::kIrBytes / (isaac::kCrossbarsPerIma * isaac::kRows);
  const double or_bytes = X * C * isaac::kOrBytes / (isaac::kCrossbarsPerIma * isaac::kCols);
  add("input_registers", ir_bytes, ir_bytes / isaac::kIrBytes * isaac::kIrAreaMm2,
      ir_bytes / isaac::kIrBytes * isaac::kIrPowerW, true, 0.0);
  add("output_registers", or_bytes, or_bytes / isaac::kOrBytes * isaac::kOrAreaMm2,
      or_bytes / isaac::kOrBytes * isaac::kOrPowerW, true, 0.0);
  add("edram_buffer", p.buffer_kib * 1024.0, isaac::kEdramAreaMm2 * p.buffer_kib / isaac::kEdramKib,
      e.buffer_byte_pj * p.buffer_bytes_per_ns * 1e-3, false, e.buffer_byte_pj);
  add("edram_bus", per_xbar, isaac::kBusAreaMm2 * per_xbar, isaac::kBusPowerW * per_xbar, true,
      0.0);
  add("router_share", 1.0 / isaac::kTilesPerRouter, isaac::kRouterAreaMm2 / isaac::kTilesPerRouter,
      isaac::kRouterPowerW / isaac::kTilesPerRouter, false, 0.0);
  add("sigmoid", p.sigmoid_units, p.sigmoid_units * isaac::kSigmoidAreaMm2,
      p.sigmoid_units * isaac::kSigmoidPowerW, true, 0.0);
  add("tile_shift_add", 1, isaac::kTileShiftAddAreaMm2, isaac::kTileShiftAddPowerW, false, 0.0);
  add("maxpool", p.maxpool_units, p.maxpool_units * isaac::kMaxPoolAreaMm2,
      p.maxpool_units * isaac::kMaxPoolPowerW, true, 0.0);
  const double tor_bytes = or_bytes * isaac::kTileOrBytes /
                           (isaac::kImasPerTile * isaac::kOrBytes);  // 3 KB for 12 x 256 B
  add("tile_output_register", tor_bytes, tor_bytes / isaac::kTileOrBytes * isaac::kTileOrAreaMm2,
      tor_bytes / isaac::kTileOrBytes * isaac::kTileOrPowerW, true, 0.0);
  if (p.dequant_area_overhead > 0 || p.dequant_power_overhead > 0)
    add("dequant", X, p.dequant_area_overhead * isaac::kTileAreaMm2 * per_xbar,
        p.dequant_power_overhead * isaac::kTilePowerW * per_xbar, false, e.dequant_pj);
  return v;
}

double tile_area_mm2(const ReramCoreParams& p) {
  double a = 0;
  for (const auto& c : reram_tile_components(p)) a += c.area_mm2;
  return a;
}

double tile_peak_power_w(const ReramCoreParams& p) {
  double w = 0;
  for (const auto& c : reram_tile_components(p)) w += c.peak_power_w;
  return w;
}

double tile_static_power_w(const ReramCoreParams& p) {
  double w = 0;
  for (const auto& c : reram_tile_components(p)) w += c.static_power_w;
  return w;
}

}  // namespace atleus
