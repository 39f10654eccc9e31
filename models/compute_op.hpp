// ComputeOp: a unit of work handed to a compute core, carried by an ignorable TLM extension on
// a generic payload. A foreign target that does not know the extension sees a plain write.
#pragma once

#include <cstdint>
#include <tlm>

namespace atleus {

enum class OpKind : uint8_t {
  kMvm,        // weights resident in the core (ReRAM): out[m][n] = in[m][k] . W[k][n]
  kGemm,       // both operands streamed (systolic): out[m][n] = A[m][k] . B[k][n]
  kSoftmax,    // special-function unit, rows x cols elements
  kLayerNorm,  // special-function unit, rows x cols elements
  kGelu,       // special-function unit, rows x cols elements
  kAdam,       // special-function unit: Adam step over rows x cols parameters
};

const char* to_string(OpKind kind);

struct ComputeOp {
  OpKind kind = OpKind::kGemm;
  uint64_t m = 0;            // rows of the input (input vectors for an MVM); rows for SFU ops
  uint64_t k = 0;            // reduction dimension; columns for SFU ops
  uint64_t n = 0;            // output columns
  unsigned input_bits = 8;   // activation precision (bit-serial slices on ReRAM)
  unsigned weight_bits = 8;  // weight precision (cells per weight on ReRAM)
  unsigned duplication = 1;  // ReRAM: copies of the weight matrix used in parallel
  bool transposed = false;   // ReRAM: transposed crossbar read (dX = dY . W^T)
  bool backward = false;     // SFU: the backward pass of the function (gradient)
  // ReRAM: the crossbars (one resident matrix) the op reads. Ops on different groups use
  // different crossbars and run concurrently; ops on one group queue.
  unsigned crossbar_group = 0;
  // Bytes the op moves to/from the core's own memory beyond its operands and result (e.g.
  // saved activations); counted by roofline cores (models/roofline_core.hpp).
  uint64_t extra_bytes = 0;
  // Independent identical instances in this one op (e.g. every head of an attention product
  // as one batched kernel). Roofline cores cost them as one kernel; the other cores are sent
  // one op per instance and leave this at 1.
  uint64_t batch = 1;

  uint64_t macs() const {
    return (kind == OpKind::kMvm || kind == OpKind::kGemm) ? batch * m * k * n : 0;
  }
};

// What a core reports back for one op (filled by the target).
struct ComputeResult {
  uint64_t start_ps = 0;   // when the core began (after queueing)
  uint64_t finish_ps = 0;  // when the result is ready
  uint64_t queue_ps = 0;   // wait for the core's compute resources
  double energy_j = 0.0;   // dynamic energy of this op
};

class ComputeExtension : public tlm::tlm_extension<ComputeExtension> {
 public:
  ComputeOp op;
  ComputeResult result;

  tlm::tlm_extension_base* clone() const override { return new ComputeExtension(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const ComputeExtension&>(other);
  }
};

}  // namespace atleus
