// Mapping of a transformer's frozen weight matrices onto ReRAM cores, and of each layer's
// dynamic work onto a systolic core. Pure C++: the platform describes its cores abstractly.
//
// ReRAM: layers are laid along the cores' space-filling-curve order, so consecutive layers sit
// on neighbouring cores. A matrix is split across cores by column blocks when it does not fit in
// what is left of a core (each part holds all rows of some output columns, so parts need no
// partial-sum reduction). MHA and FF weights of a layer go to different cores when the model
// still fits that way (the paper's pipeline needs it for stages to overlap); otherwise they are
// packed and the mapping says so. Where the model fits with room to spare, every layer starts
// on a core of its own. A model that does not fit at all is an error with the numbers,
// unless weight reloading is allowed: then layers beyond capacity reuse the cores of earlier
// layers and must be programmed again when they run.
// Weight duplication (Atleus section 6: fewer bits per weight leave crossbars for copies; ISAAC
// replicates weights to balance its pipeline): every matrix may be held D times, each part
// keeping D copies of its columns on its core, so the core splits a batch of input vectors
// among the copies. D is requested (N) or chosen: `auto` takes the largest D that fits without
// reloading while keeping a layer's MHA and FF weights on different cores; D = 1 when nothing
// is spare, or when even one copy only fits with MHA and FF packed together. Auto stops at
// kMaxAutoDuplication. An explicit N > 1 that does not fit is an error even when reloading is
// allowed: reloaded layouts hold a single copy (programming copies would multiply the writes).
// A platform without ReRAM runs the frozen matrices on its systolic cores too, streaming the
// weights from HBM.
// Systolic: each layer's attention, LoRA and SFU work goes to the systolic core below the
// layer's first ReRAM core (same column) when there is one, else round-robin.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace atleus {

// map_model's duplication argument: the largest number of copies that fits.
constexpr unsigned kAutoDuplication = 0;
// Auto never goes beyond 64 copies: a copy needs at least one input vector of the batch it
// shares, and a sequence brings a few hundred (SQuAD 384 tokens), so past 64 the per-copy batch
// is a handful of vectors and the pipeline fill (the sum of the stage times) dominates.
constexpr unsigned kMaxAutoDuplication = 64;

struct MappingTarget {
  struct Slot {
    int site = 0;
    int tier = 0, x = 0, y = 0;
  };
  std::vector<Slot> reram;     // in space-filling-curve order across the ReRAM tiers
  std::vector<Slot> systolic;  // any order
  uint64_t crossbars_per_core = 0;
  // Crossbars holding all `rows` rows of one column block, and weight columns per block.
  std::function<uint64_t(uint64_t rows, unsigned bits)> crossbars_per_column_block;
  std::function<uint64_t(unsigned bits)> columns_per_block;
};

struct MatrixSpec {
  std::string weight;  // "qkv", "o", "ff1", "ff2"
  uint64_t rows = 0, cols = 0;
  unsigned bits = 8;
  bool mha = true;  // MHA or FF weights
};

struct MatrixPart {
  int layer = 0;
  std::string weight;
  int site = 0;
  uint64_t col_begin = 0, col_end = 0;  // output columns held by this part
  uint64_t crossbars = 0;               // all copies: duplication x the crossbars of one copy
  unsigned duplication = 1;
  int slot_layer = 0;  // with reloading: the resident layer whose cores this layer reuses
};

struct Mapping {
  std::vector<MatrixPart> parts;   // layer by layer, matrix by matrix
  std::vector<int> systolic_site;  // per layer
  bool mha_ff_separate = true;     // false: MHA and FF of a layer share cores
  bool reloading = false;          // layers beyond layers_resident are reprogrammed when run
  bool weights_streamed = false;   // no ReRAM: frozen matrices run on systolic cores from HBM
  int layers_resident = 0;
  unsigned duplication = 1;       // copies of every frozen matrix (1 with reloading)
  uint64_t crossbars_needed = 0;  // for the whole model, copies included
  uint64_t crossbars_available = 0;
  int reram_cores_used = 0;

  std::vector<const MatrixPart*> parts_of(int layer, const std::string& weight) const;
};

class MappingError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `layer_matrices` lists one layer's matrices in placement order (every layer is the same).
// `duplication`: copies of every matrix, or kAutoDuplication. Throws MappingError when the
// model does not fit (with the numbers) and when the platform has no systolic core.
Mapping map_model(int layers, const std::vector<MatrixSpec>& layer_matrices,
                  const MappingTarget& target, bool allow_reload, unsigned duplication = 1);

}  // namespace atleus
