#include "atleus/workloads/mapping.hpp"

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

// Lays `layers` layers, `dup` copies of each matrix, along the cores; false if they do not fit.
bool place(int layers, const std::vector<MatrixSpec>& mats, const MappingTarget& t, bool separate,
           bool align_layers, unsigned dup, std::vector<MatrixPart>& parts) {
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
      // A column block and its copies stay together on one core.
      const uint64_t block_xbars = t.crossbars_per_column_block(m.rows, m.bits) * dup;
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
        parts.push_back({l, m.weight, t.reram[core].site, col, end, take * block_xbars, dup, l});
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
                  bool allow_reload, unsigned duplication) {
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
  uint64_t per_layer = 0;  // one copy
  for (const auto& m : mats) per_layer += crossbars_of(t, m);
  const uint64_t one_copy = per_layer * static_cast<uint64_t>(layers);
  map.crossbars_available = t.crossbars_per_core * t.reram.size();

  // The layout rules in order of preference at `dup` copies: MHA and FF apart with every layer
  // on cores of its own, MHA and FF apart, then (if allowed) MHA and FF packed together.
  auto lay_out = [&](unsigned dup, bool allow_packed) {
    if (place(layers, mats, t, true, true, dup, map.parts) ||
        place(layers, mats, t, true, false, dup, map.parts)) {
      map.mha_ff_separate = true;
      return true;
    }
    if (allow_packed && place(layers, mats, t, false, false, dup, map.parts)) {
      map.mha_ff_separate = false;
      return true;
    }
    return false;
  };

  unsigned dup = 1;
  bool fits = false;
  if (duplication == kAutoDuplication) {
    // More copies than the crossbars could hold never fit; try from the most down.
    const uint64_t room = one_copy > 0 ? map.crossbars_available / one_copy : 1;
    for (uint64_t d = std::min<uint64_t>(room, kMaxAutoDuplication); d >= 2 && !fits; --d)
      if (lay_out(static_cast<unsigned>(d), false)) {
        dup = static_cast<unsigned>(d);
        fits = true;
      }
    if (!fits) fits = lay_out(1, true);
  } else {
    dup = duplication;
    fits = lay_out(dup, true);
  }
  map.duplication = dup;
  map.crossbars_needed = one_copy * dup;

  if (fits) {
    map.layers_resident = layers;
  } else if (!allow_reload || dup > 1) {
    const std::string copies =
        dup > 1 ? " with " + std::to_string(dup) + " copies of each matrix" : "";
    const std::string per = std::to_string(per_layer) + " per layer" +
                            (dup > 1 ? " x " + std::to_string(dup) + " copies" : "") + " x " +
                            std::to_string(layers) + " layers";
    const std::string hint =
        dup == 1       ? "; enable weight reloading to run it anyway"
        : allow_reload ? "; weight reloading holds one copy: ask for duplication 1 or auto"
                       : "; ask for fewer copies (duplication auto takes the most that fit)";
    throw MappingError("the model does not fit in ReRAM" + copies + ": it needs " +
                       std::to_string(map.crossbars_needed) + " crossbars (" + per +
                       ") and the platform has " + std::to_string(map.crossbars_available) + " (" +
                       std::to_string(t.reram.size()) + " cores x " +
                       std::to_string(t.crossbars_per_core) + ")" + hint);
  } else {
    // The largest number of layers that fit resident; later layers reuse their cores in turn.
    int fit = 0;
    std::vector<MatrixPart> probe;
    for (int l = layers - 1; l >= 1 && fit == 0; --l)
      if (place(l, mats, t, true, true, 1, probe) || place(l, mats, t, false, false, 1, probe))
        fit = l;
    if (fit == 0)
      throw MappingError("not even one layer fits in the platform's ReRAM: a layer needs " +
                         std::to_string(per_layer) + " crossbars and the platform has " +
                         std::to_string(map.crossbars_available) + " (" +
                         std::to_string(t.reram.size()) + " cores x " +
                         std::to_string(t.crossbars_per_core) + ")");
    map.mha_ff_separate = place(fit, mats, t, true, true, 1, map.parts);
    if (!map.mha_ff_separate) place(fit, mats, t, false, false, 1, map.parts);
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

  // Systolic core per layer: the one in the column of the layer's first ReRAM part, unless it
  // already serves its share of layers (ceil(layers / systolic cores)); then the least-loaded
  // core nearest that column. Layers sharing a systolic core would serialise their attention
  // stage, the pipeline's only systolic stage.
  const std::size_t n_sa = t.systolic.size();
  const int share = static_cast<int>((static_cast<std::size_t>(layers) + n_sa - 1) / n_sa);
  std::vector<int> load(n_sa, 0);
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
    std::size_t best = n_sa;
    int best_key = 0;
    for (std::size_t i = 0; i < n_sa; ++i) {
      const auto& sa = t.systolic[i];
      const int dist = slot ? std::abs(sa.x - slot->x) + std::abs(sa.y - slot->y) : 0;
      if (load[i] >= share) continue;
      const int key = load[i] * 1000 + dist;  // balance first, then nearness
      if (best == n_sa || key < best_key) {
        best = i;
        best_key = key;
      }
      if (slot && dist == 0) {  // the core below the layer, while it has room
        best = i;
        break;
      }
    }
    load[best]++;
    map.systolic_site.push_back(t.systolic[best].site);
  }
  return map;
}

}  // namespace atleus
