#include "atleus/models/compute_op.hpp"

namespace atleus {

const char* to_string(OpKind kind) {
  switch (kind) {
    case OpKind::kMvm:
      return "mvm";
    case OpKind::kGemm:
      return "gemm";
    case OpKind::kSoftmax:
      return "softmax";
    case OpKind::kLayerNorm:
      return "layernorm";
    case OpKind::kGelu:
      return "gelu";
    case OpKind::kAdam:
      return "adam";
  }
  return "?";
}

}  // namespace atleus
