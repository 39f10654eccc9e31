// Weight duplication in the ReRAM mapping, on the Atleus geometry (48 ReRAM cores of
// 16 tiles x 96 crossbars of 128x128 cells, 2 bits per cell; paper section 2). The expected
// number of copies comes from the closed form written here: per copy, a layer's frozen
// matrices hold 12 d^2 weights (d_ff = 4 d) of ceil(bits / 2) cells, MHA 4 d^2 and FF 8 d^2;
// the copies that fit are bounded by the crossbar count and, with a layer's FF weights
// starting on a core after its MHA weights, by the cores the run of segments
// [MHA_0] [FF_0 MHA_1] ... [FF_L-2 MHA_L-1] [FF_L-1] needs.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "atleus/platform/run/task_graph.hpp"
#include "atleus/workloads/mapping.hpp"
#include "atleus/workloads/op_graph.hpp"
#include "atleus/workloads/workload_spec.hpp"

using namespace atleus;

namespace {

constexpr uint64_t kCores = 48;
constexpr uint64_t kCrossbarsPerCore = 16 * 96;
constexpr uint64_t kCrossbarCells = 128 * 128;
constexpr unsigned kBitsPerCell = 2;

uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

uint64_t cells_per_weight(unsigned bits) {
  return ceil_div(bits, kBitsPerCell);
}

// 3 ReRAM tiers of 4x4 along a serpentine order above a 4x4 systolic tier.
MappingTarget atleus_target() {
  MappingTarget t;
  for (int tier = 1; tier <= 3; ++tier)
    for (int y = 0; y < 4; ++y)
      for (int i = 0; i < 4; ++i) {
        const int x = y % 2 == 0 ? i : 3 - i;
        t.reram.push_back({static_cast<int>(t.reram.size()), tier, x, y});
      }
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x) t.systolic.push_back({48 + y * 4 + x, 0, x, y});
  t.crossbars_per_core = kCrossbarsPerCore;
  t.columns_per_block = [](unsigned bits) { return 128 / cells_per_weight(bits); };
  t.crossbars_per_column_block = [](uint64_t rows, unsigned) { return ceil_div(rows, 128); };
  return t;
}

std::vector<MatrixSpec> matrices(uint64_t d, uint64_t f, unsigned mha_bits, unsigned ff_bits) {
  return {{"qkv", d, 3 * d, mha_bits, true},
          {"o", d, d, mha_bits, true},
          {"ff1", d, f, ff_bits, false},
          {"ff2", f, d, ff_bits, false}};
}

// Copies of a d-wide model (d_ff = 4 d, d a multiple of 128) that fit with a layer's MHA and
// FF weights on different cores, from the closed form above; at most 64.
unsigned expected_duplication(uint64_t layers, uint64_t d, unsigned mha_bits, unsigned ff_bits) {
  const uint64_t mha = 4 * d * d * cells_per_weight(mha_bits) / kCrossbarCells;
  const uint64_t ff = 8 * d * d * cells_per_weight(ff_bits) / kCrossbarCells;
  const uint64_t room = kCores * kCrossbarsPerCore / (layers * (mha + ff));
  unsigned best = 1;
  for (uint64_t n = 2; n <= std::min<uint64_t>(room, 64); ++n) {
    const uint64_t cores = ceil_div(n * mha, kCrossbarsPerCore) +
                           (layers - 1) * ceil_div(n * (mha + ff), kCrossbarsPerCore) +
                           ceil_div(n * ff, kCrossbarsPerCore);
    if (cores <= kCores) best = static_cast<unsigned>(n);
  }
  return best;
}

// Every part holds D copies of whole column blocks, no core is over-full, each matrix's
// columns are covered once, and (when separate) a layer's MHA and FF weights share no core.
void check_layout(const Mapping& m, const std::vector<MatrixSpec>& mats, int layers) {
  std::map<int, uint64_t> used;
  uint64_t total = 0;
  for (const auto& p : m.parts) {
    const MatrixSpec& spec = *std::find_if(
        mats.begin(), mats.end(), [&](const MatrixSpec& s) { return s.weight == p.weight; });
    CHECK(p.duplication == m.duplication);
    const uint64_t one_copy =
        ceil_div(spec.rows, 128) *
        ceil_div((p.col_end - p.col_begin) * cells_per_weight(spec.bits), 128);
    CHECK(p.crossbars == m.duplication * one_copy);
    used[p.site] += p.crossbars;
    total += p.crossbars;
  }
  for (const auto& [site, n] : used) CHECK(n <= kCrossbarsPerCore);
  CHECK(total == m.crossbars_needed);
  for (int l = 0; l < layers; ++l) {
    std::set<int> mha, ff;
    for (const auto& spec : mats) {
      uint64_t next = 0;
      for (const MatrixPart* p : m.parts_of(l, spec.weight)) {
        CHECK(p->col_begin == next);
        next = p->col_end;
        (spec.mha ? mha : ff).insert(p->site);
      }
      CHECK(next == spec.cols);
    }
    if (m.mha_ff_separate)
      for (int s : mha) CHECK(ff.count(s) == 0);
  }
}

std::string mapping_error(int layers, const std::vector<MatrixSpec>& mats, bool reload,
                          unsigned duplication) {
  try {
    map_model(layers, mats, atleus_target(), reload, duplication);
  } catch (const MappingError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("mapping: RoBERTa-Base M8F8 fills spare crossbars with copies", "[mapping]") {
  const auto mats = matrices(768, 3072, 8, 8);
  const Mapping m = map_model(12, mats, atleus_target(), false, kAutoDuplication);
  // 12 x 768^2 x 4 cells / 16384 = 1728 crossbars a layer, 20736 for 12 layers: 3 copies by
  // crossbar count, but a third copy makes each [FF MHA] segment 5184 crossbars = 4 cores, so
  // 2 + 11 x 4 + 3 = 49 cores > 48.
  const unsigned expected = expected_duplication(12, 768, 8, 8);
  CHECK(expected == 2);
  CHECK(m.duplication == expected);
  CHECK(m.crossbars_needed == expected * 12 * 1728);
  CHECK(m.mha_ff_separate);
  CHECK_FALSE(m.reloading);
  check_layout(m, mats, 12);
  // One copy explicitly: the plain layout.
  const Mapping one = map_model(12, mats, atleus_target(), false, 1);
  CHECK(one.duplication == 1);
  CHECK(one.crossbars_needed == 12 * 1728);
  check_layout(one, mats, 12);
}

TEST_CASE("mapping: 4-bit weights leave room for at least twice the copies", "[mapping]") {
  const auto mats8 = matrices(768, 3072, 8, 8);
  const auto mats4 = matrices(768, 3072, 4, 4);
  const Mapping m8 = map_model(12, mats8, atleus_target(), false, kAutoDuplication);
  const Mapping m4 = map_model(12, mats4, atleus_target(), false, kAutoDuplication);
  CHECK(m4.duplication == expected_duplication(12, 768, 4, 4));
  CHECK(m4.duplication >= 2 * m8.duplication);
  CHECK(m4.mha_ff_separate);
  check_layout(m4, mats4, 12);
}

TEST_CASE("mapping: BERT-Large M8F8 fills the chip with one copy", "[mapping]") {
  // 24 layers x 12 x 1024^2 x 4 cells / 16384 = 73728 crossbars = 48 x 1536: no spare room.
  const auto mats = matrices(1024, 4096, 8, 8);
  CHECK(expected_duplication(24, 1024, 8, 8) == 1);
  const Mapping m = map_model(24, mats, atleus_target(), false, kAutoDuplication);
  CHECK(m.duplication == 1);
  CHECK(m.crossbars_needed == 73728);
  for (const auto& p : m.parts) CHECK(p.duplication == 1);
}

TEST_CASE("mapping: auto stops at 64 copies", "[mapping]") {
  // One layer of d = 128: 12 x 128^2 x 4 / 16384 = 48 crossbars a copy; 73728 / 48 = 1536
  // copies by crossbar count.
  const auto mats = matrices(128, 512, 8, 8);
  const Mapping m = map_model(1, mats, atleus_target(), false, kAutoDuplication);
  CHECK(m.duplication == kMaxAutoDuplication);
  CHECK(kMaxAutoDuplication == 64);
  check_layout(m, mats, 1);
}

TEST_CASE("mapping: explicit copies are kept or refused with the numbers", "[mapping]") {
  const auto mats = matrices(768, 3072, 8, 8);
  // 3 copies: 62208 crossbars fit only with MHA and FF sharing cores (see above).
  const Mapping three = map_model(12, mats, atleus_target(), false, 3);
  CHECK(three.duplication == 3);
  CHECK_FALSE(three.mha_ff_separate);
  check_layout(three, mats, 12);
  // 4 copies: 4 x 20736 = 82944 > 73728, with or without reloading.
  for (bool reload : {false, true}) {
    const std::string e = mapping_error(12, mats, reload, 4);
    INFO(e);
    CHECK(e.find("does not fit") != std::string::npos);
    CHECK(e.find("82944") != std::string::npos);
    CHECK(e.find("73728") != std::string::npos);
    CHECK(e.find("4 copies") != std::string::npos);
  }
}

TEST_CASE("mapping: reloading holds one copy", "[mapping]") {
  // BERT-Large at 16 bits needs twice the crossbars: reloading under auto keeps one copy.
  const auto mats = matrices(1024, 4096, 16, 16);
  const Mapping m = map_model(24, mats, atleus_target(), true, kAutoDuplication);
  CHECK(m.reloading);
  CHECK(m.duplication == 1);
  for (const auto& p : m.parts) CHECK(p.duplication == 1);
  CHECK(mapping_error(24, mats, true, 2).find("does not fit") != std::string::npos);
}

TEST_CASE("mapping: a duplicated part's ReRAM ops carry its copies", "[mapping]") {
  WorkloadSpec w;
  w.model = model_preset("roberta-base");
  w.task = custom_task(128, 1, 1);
  w.mode = Mode::kInference;
  const WorkloadGraph g = build_graph(w);
  const auto mats = matrices(768, 3072, 8, 8);
  const Mapping m = map_model(12, mats, atleus_target(), false, kAutoDuplication);
  REQUIRE(m.duplication == 2);
  TaskGraphInputs in;
  in.graph = &g;
  in.mapping = &m;
  in.d_model = 768;
  in.d_ff = 3072;
  const TaskGraph tg = build_task_graph(in);
  int mvms = 0;
  for (const auto& t : tg.tasks)
    if (t.op.kind == OpKind::kMvm) {
      ++mvms;
      CHECK(t.op.duplication == 2);
    }
  CHECK(mvms >= 12 * 4);
}

TEST_CASE("mapping: workload duplication key and its errors", "[mapping]") {
  CHECK(parse_duplication("auto") == 0);
  CHECK(parse_duplication("3") == 3);
  CHECK(duplication_name(0) == "auto");
  CHECK(duplication_name(5) == "5");
  for (const char* bad : {"0", "-2", "two", "", "1.5"}) {
    INFO(bad);
    try {
      parse_duplication(bad);
      FAIL("accepted");
    } catch (const WorkloadError& e) {
      CHECK(e.key() == "duplication");
    }
  }
  char pattern[] = "/tmp/atleus_dup_XXXXXX";
  const char* made = mkdtemp(pattern);
  REQUIRE(made != nullptr);
  const std::string dir = made, good = dir + "/good.yaml", bad = dir + "/bad.yaml",
                    none = dir + "/none.yaml";
  std::ofstream(good) << "model: roberta-base\ntask: squad\nduplication: 4\n";
  std::ofstream(bad) << "model: roberta-base\ntask: squad\nduplication: zero\n";
  std::ofstream(none) << "model: roberta-base\ntask: squad\n";
  CHECK(load_workload_yaml(good).duplication == 4);
  CHECK(load_workload_yaml(none).duplication == kAutoDuplication);
  try {
    load_workload_yaml(bad);
    FAIL("accepted");
  } catch (const WorkloadError& e) {
    CHECK(e.key() == "duplication");
    CHECK(e.line() == 3);
    CHECK(e.column() == 14);
  }
  for (const auto& f : {good, bad, none}) std::remove(f.c_str());
  rmdir(dir.c_str());
}

TEST_CASE("mapping: layers share systolic cores only when there are more layers than cores",
          "[mapping]") {
  const MappingTarget t = atleus_target();
  for (const auto& [layers, d, bits] :
       {std::tuple<int, uint64_t, unsigned>{12, 768, 8}, {12, 768, 4}, {24, 1024, 8}}) {
    INFO(layers << " layers, d " << d << ", " << bits << " bits");
    const Mapping m = map_model(layers, matrices(d, 4 * d, bits, bits), t, false, kAutoDuplication);
    REQUIRE(m.systolic_site.size() == static_cast<std::size_t>(layers));
    std::map<int, int> per_core;
    for (int s : m.systolic_site) per_core[s]++;
    // 16 systolic cores: 12 layers get one each; 24 layers at most 2 per core.
    const int share = (layers + 15) / 16;
    for (const auto& [site, n] : per_core) CHECK(n <= share);
    CHECK(per_core.size() == static_cast<std::size_t>(std::min(layers, 16)));
  }
}
