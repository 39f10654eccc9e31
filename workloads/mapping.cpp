#include "workloads/mapping.hpp"

#include <algorithm>
#include <cstdlib>

namespace atleus {

std::vector<const MatrixPart*> Mapping::parts_of(int layer, const std::string& weight) const {
  std::vector<const MatrixPart*> out;
  for (const auto& p : parts)
    if (p.layer == layer && p.weight == weight) out.push_back(&p);
  return out;
}

namespace {

uint64_t crossbars_of(const MappingTarget& t, const MatrixSpec& m) {
  const uint64_t per_block = t.columns_per_block(m.bits);
  const uint64_t blocks = (m.cols + per_block - 1) / per_block;
  return blocks * t.crossbars_per_column_block(m.rows, m.bits);
}

// Lays `layers` layers along the cores; returns false if they do not fit.
bool place(int layers, const std::vector<MatrixSpec>& mats, const MappingTarget& t, bool separate,
           bool align_layers, std::vector<MatrixPart>& parts) {
  parts.clear();
  std::size_t core = 0;
  uint64_t used = 0;  // crossbars used on `core`
  for (int l = 0; l < layers; ++l) {
    if (align_layers && used > 0) {  // every layer starts on a core of its own
      ++core;
      used = 0;
    }
    std::size_t mha_last_core = SIZE_MAX;
    for (const auto& m : mats) {
      // FF weights start on a fresh core if the layer's MHA weights are on this one.
      if (separate && !m.mha && mha_last_core == core && used > 0) {
        ++core;
        used = 0;
      }
      const uint64_t per_block = t.columns_per_block(m.bits);
      const uint64_t block_xbars = t.crossbars_per_column_block(m.rows, m.bits);
      if (block_xbars > t.crossbars_per_core) return false;  // one column block cannot fit
      uint64_t col = 0;
      while (col < m.cols) {
        if (core >= t.reram.size()) return false;
        const uint64_t free_blocks = (t.crossbars_per_core - used) / block_xbars;
        if (free_blocks == 0) {
          ++core;
          used = 0;
          continue;
        }
        const uint64_t want = (m.cols - col + per_block - 1) / per_block;
        const uint64_t take = std::min(want, free_blocks);
        const uint64_t end = std::min(m.cols, col + take * per_block);
        parts.push_back({l, m.weight, t.reram[core].site, col, end, take * block_xbars, l});
        used += take * block_xbars;
        col = end;
      }
      if (m.mha) mha_last_core = core;
    }
  }
  return true;
}

}  // namespace

Mapping map_model(int layers, const std::vector<MatrixSpec>& mats, const MappingTarget& t,
                  bool allow_reload) {
  Mapping map;
  if (t.systolic.empty()) throw MappingError("the platform has no systolic core for attention");
  if (t.reram.empty()) {
    // No ReRAM: every matrix product runs on a systolic core, its weights streamed from HBM
    // each time (a TPU-style platform); layers take the systolic cores in turn.
    map.weights_streamed = true;
    map.layers_resident = 0;
    for (int l = 0; l < layers; ++l)
      map.systolic_site.push_back(t.systolic[static_cast<std::size_t>(l) % t.systolic.size()].site);
    return map;
  }
  uint64_t per_layer = 0;
  for (const auto& m : mats) per_layer += crossbars_of(t, m);
  map.crossbars_needed = per_layer * static_cast<uint64_t>(layers);
  map.crossbars_available = t.crossbars_per_core * t.reram.size();

  if (place(layers, mats, t, true, true, map.parts) ||
      place(layers, mats, t, true, false, map.parts)) {
    map.mha_ff_separate = true;
    map.layers_resident = layers;
  } else if (place(layers, mats, t, false, false, map.parts)) {
    map.mha_ff_separate = false;
    map.layers_resident = layers;
  } else if (!allow_reload) {
    throw MappingError(
        "the model does not fit in ReRAM: it needs " + std::to_string(map.crossbars_needed) +
        " crossbars (" + std::to_string(per_layer) + " per layer x " + std::to_string(layers) +
        " layers) and the platform has " + std::to_string(map.crossbars_available) + " (" +
        std::to_string(t.reram.size()) + " cores x " + std::to_string(t.crossbars_per_core) +
        "); enable weight reloading to run it anyway");
  } else {
    // The largest number of layers that fit resident; later layers reuse their cores in turn.
    int fit = 0;
    std::vector<MatrixPart> probe;
    for (int l = layers - 1; l >= 1 && fit == 0; --l)
      if (place(l, mats, t, true, true, probe) || place(l, mats, t, false, false, probe)) fit = l;
    if (fit == 0) throw MappingError("not even one layer fits in the platform's ReRAM");
    map.mha_ff_separate = place(fit, mats, t, true, true, map.parts);
    if (!map.mha_ff_separate) place(fit, mats, t, false, false, map.parts);
    const std::vector<MatrixPart> resident = map.parts;
    for (int l = fit; l < layers; ++l)
      for (const auto& p : resident)
        if (p.layer == l % fit) {
          MatrixPart q = p;
          q.layer = l;
          q.slot_layer = l % fit;
          map.parts.push_back(q);
        }
    map.reloading = true;
    map.layers_resident = fit;
  }

  std::vector<int> sites;
  for (const auto& p : map.parts)
    if (std::find(sites.begin(), sites.end(), p.site) == sites.end()) sites.push_back(p.site);
  map.reram_cores_used = static_cast<int>(sites.size());

  // Systolic core per layer: the one in the column of the layer's first ReRAM part.
  int round_robin = 0;
  for (int l = 0; l < layers; ++l) {
    const MatrixPart* first = nullptr;
    for (const auto& p : map.parts)
      if (p.layer == l) {
        first = &p;
        break;
      }
    const MappingTarget::Slot* slot = nullptr;
    for (const auto& r : t.reram)
      if (first && r.site == first->site) slot = &r;
    int chosen = -1;
    for (const auto& s : t.systolic)
      if (slot && s.x == slot->x && s.y == slot->y) chosen = s.site;
    if (chosen < 0) chosen = t.systolic[round_robin++ % t.systolic.size()].site;
    map.systolic_site.push_back(chosen);
  }
  return map;
}

}  // namespace atleus
