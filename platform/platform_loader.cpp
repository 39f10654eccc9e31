#include "atleus/platform/platform_loader.hpp"

#include <dlfcn.h>
#include <unistd.h>
#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "atleus/platform/block_kind.hpp"
#include "atleus/platform/core_fields.hpp"
#include "atleus/platform/netlist.hpp"
#include "atleus/platform/param_binding.hpp"
#include "atleus/workloads/op_graph.hpp"

namespace atleus {

namespace fs = std::filesystem;

namespace {

// The file this code was loaded from: the shared library, or the executable it is linked into.
fs::path image_of_this_code() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&image_of_this_code), &info) == 0 || info.dli_fname == nullptr)
    return {};
  std::error_code ec;
  const fs::path p = fs::canonical(info.dli_fname, ec);
  return ec ? fs::path() : p;
}

// ATLEUS_CONFIG_DIR, then share/atleus-vp/configs of the installation holding this code (the
// library in PREFIX/lib[/multiarch] or an executable in PREFIX/bin), then the source tree.
std::vector<fs::path> preset_dirs() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("ATLEUS_CONFIG_DIR")) dirs.emplace_back(env);
  const fs::path rel = fs::path(ATLEUS_INSTALL_DATADIR) / "atleus-vp" / "configs";
  fs::path up = image_of_this_code().parent_path();
  for (int level = 0; level < 3 && !up.empty() && up != up.root_path(); ++level) {
    up = up.parent_path();
    dirs.push_back(up / rel);
  }
  dirs.push_back(fs::path(ATLEUS_SOURCE_DIR) / "platform" / "configs");
  return dirs;
}

}  // namespace

const FieldTable<ReramCoreParams>& reram_fields() {
  using P = ReramCoreParams;
  static const auto t = FieldTable<P>()
                            .add("tiles", &P::tiles)
                            .add("crossbars_per_tile", &P::crossbars_per_tile)
                            .add("crossbar_rows", &P::crossbar_rows)
                            .add("crossbar_cols", &P::crossbar_cols)
                            .add("bits_per_cell", &P::bits_per_cell)
                            .add("adcs_per_tile", &P::adcs_per_tile)
                            .add("adc_bits", &P::adc_bits)
                            .add("adc_sample_rate_gsps", &P::adc_sample_rate_gsps)
                            .add("adc_ref_bits", &P::adc_ref_bits)
                            .add("adc_fom_fj_per_step", &P::adc_fom_fj_per_step)
                            .add("dac_bits", &P::dac_bits)
                            .add("isaac_encoding", &P::isaac_encoding)
                            .add("read_cycle_ns", &P::read_cycle_ns)
                            .add("shift_add_ns", &P::shift_add_ns)
                            .add("dequant_ns", &P::dequant_ns)
                            .add("buffer_kib", &P::buffer_kib)
                            .add("buffer_bytes_per_ns", &P::buffer_bytes_per_ns)
                            .add("write_row_ns", &P::write_row_ns)
                            .add("write_cell_pj", &P::write_cell_pj)
                            .add("dequant_area_overhead", &P::dequant_area_overhead)
                            .add("dequant_power_overhead", &P::dequant_power_overhead)
                            .add("sigmoid_units", &P::sigmoid_units)
                            .add("maxpool_units", &P::maxpool_units)
                            .add("power_gate_unused", &P::power_gate_unused)
                            .add("clock_gate_idle", &P::clock_gate_idle);
  return t;
}

const FieldTable<SfuParams>& sfu_fields() {
  using P = SfuParams;
  static const auto t = FieldTable<P>()
                            .add("lanes", &P::lanes)
                            .add("cycles_add", &P::cycles_add)
                            .add("cycles_mul", &P::cycles_mul)
                            .add("cycles_exp", &P::cycles_exp)
                            .add("cycles_recip", &P::cycles_recip)
                            .add("cycles_rsqrt", &P::cycles_rsqrt)
                            .add("cycles_tanh", &P::cycles_tanh)
                            .add("e_add_pj", &P::e_add_pj)
                            .add("e_mul_pj", &P::e_mul_pj)
                            .add("e_special_pj", &P::e_special_pj)
                            .add("lane_area_um2", &P::lane_area_um2)
                            .custom("gelu_approx", [](P& p, const ConfigNode& v) {
                              try {
                                p.gelu_approx = parse_gelu_approx(v.as<std::string>());
                              } catch (const ParamError& e) {
                                v.fail(e.what());
                              }
                            });
  return t;
}

const FieldTable<SystolicCoreParams>& systolic_fields() {
  using P = SystolicCoreParams;
  static const auto t =
      FieldTable<P>()
          .add("rows", &P::rows)
          .add("cols", &P::cols)
          .add("clock_mhz", &P::clock_mhz)
          .add("sram_kib", &P::sram_kib)
          .add("sram_bytes_per_cycle", &P::sram_bytes_per_cycle)
          .add("spill_bytes_per_cycle", &P::spill_bytes_per_cycle)
          .add("operand_bytes", &P::operand_bytes)
          .add("e_mac_pj", &P::e_mac_pj)
          .add("e_sram_pj_per_byte_32kib", &P::e_sram_pj_per_byte_32kib)
          .add("static_power_w", &P::static_power_w)
          .add("pe_area_um2", &P::pe_area_um2)
          .add("reg_bit_area_um2", &P::reg_bit_area_um2)
          .add("sram_bit_area_um2", &P::sram_bit_area_um2)
          .custom("dataflow",
                  [](P& p, const ConfigNode& v) {
                    try {
                      p.dataflow = parse_dataflow(v.as<std::string>());
                    } catch (const ParamError& e) {
                      v.fail(e.what());
                    }
                  })
          .custom("sfu", [](P& p, const ConfigNode& v) { sfu_fields().read(v, p.sfu); });
  return t;
}

const FieldTable<RooflineCoreParams>& roofline_fields() {
  using P = RooflineCoreParams;
  static const auto t = FieldTable<P>()
                            .add("peak_macs_per_ns", &P::peak_macs_per_ns)
                            .add("peak_vector_ops_per_ns", &P::peak_vector_ops_per_ns)
                            .add("memory_bytes_per_ns", &P::memory_bytes_per_ns)
                            .add("matmul_utilisation", &P::matmul_utilisation)
                            .add("vector_utilisation", &P::vector_utilisation)
                            .add("memory_utilisation", &P::memory_utilisation)
                            .add("launch_overhead_ns", &P::launch_overhead_ns)
                            .add("operand_bytes", &P::operand_bytes)
                            .add("active_power_w", &P::active_power_w)
                            .add("idle_power_w", &P::idle_power_w)
                            .add("e_mac_pj", &P::e_mac_pj)
                            .add("e_byte_pj", &P::e_byte_pj)
                            .add("e_vector_op_pj", &P::e_vector_op_pj)
                            .add("dequant_ops_per_weight", &P::dequant_ops_per_weight)
                            .add("weight_reuse_vectors", &P::weight_reuse_vectors)
                            .add("area_mm2", &P::area_mm2)
                            .add("weight_capacity_bytes", &P::weight_capacity_bytes)
                            .custom("dequant", [](P& p, const ConfigNode& v) {
                              try {
                                p.dequant = parse_dequant_mode(v.as<std::string>());
                              } catch (const ParamError& e) {
                                v.fail(e.what());
                              }
                            });
  return t;
}

namespace {

const FieldTable<HbmParams>& hbm_fields() {
  using P = HbmParams;
  static const auto t = FieldTable<P>()
                            .add("capacity_gib", &P::capacity_gib)
                            .add("peak_bandwidth_gbps", &P::peak_bandwidth_gbps)
                            .add("interface_bits", &P::interface_bits)
                            .add("burst_length", &P::burst_length)
                            .add("channels", &P::channels)
                            .add("access_latency_ns", &P::access_latency_ns)
                            .add("energy_pj_per_bit", &P::energy_pj_per_bit)
                            .add("interleave_bytes", &P::interleave_bytes)
                            .add("static_power_w", &P::static_power_w)
                            .add("store_data", &P::store_data);
  return t;
}

const FieldTable<CostParams>& cost_fields() {
  using P = CostParams;
  static const auto t = FieldTable<P>()
                            .add("wafer_diameter_mm", &P::wafer_diameter_mm)
                            .add("wafer_cost_usd", &P::wafer_cost_usd)
                            .add("defect_density_per_cm2", &P::defect_density_per_cm2)
                            .add("alpha", &P::alpha)
                            .add("wafer_yield", &P::wafer_yield)
                            .add("stacking_yield", &P::stacking_yield)
                            .add("tsv_yield", &P::tsv_yield);
  return t;
}

const FieldTable<noc::RouterParams>& router_fields() {
  using P = noc::RouterParams;
  static const auto t =
      FieldTable<P>()
          .add("clock_mhz", &P::clock_mhz)
          .add("latency_cycles", &P::latency_cycles)
          .add("flit_bytes", &P::flit_bytes)
          .add("buffer_depth_flits", &P::buffer_depth_flits)
          .add("virtual_channels", &P::virtual_channels)
          .add("buffer_bit_area_um2", &P::buffer_bit_area_um2)
          .add("buffer_bit_energy_pj", &P::buffer_bit_energy_pj)
          .add("buffer_bit_leakage_nw", &P::buffer_bit_leakage_nw)
          .add("crossbar_track_pitch_um", &P::crossbar_track_pitch_um)
          .add("crossbar_energy_fj_per_bit_mm", &P::crossbar_energy_fj_per_bit_mm);
  return t;
}

const FieldTable<noc::WireParams>& wire_fields() {
  using P = noc::WireParams;
  static const auto t = FieldTable<P>()
                            .add("supply_v", &P::supply_v)
                            .add("activity", &P::activity)
                            .add("driver_resistance_ohm", &P::driver_resistance_ohm)
                            .add("load_capacitance_ff", &P::load_capacitance_ff);
  return t;
}

const FieldTable<noc::PlanarLinkParams>& planar_fields() {
  using P = noc::PlanarLinkParams;
  static const auto t = FieldTable<P>()
                            .add("width_bits", &P::width_bits)
                            .add("length_mm", &P::length_mm)
                            .add("capacitance_ff_per_mm", &P::capacitance_ff_per_mm)
                            .add("delay_ps_per_mm", &P::delay_ps_per_mm)
                            .add("min_latency_cycles", &P::min_latency_cycles);
  return t;
}

const FieldTable<noc::TsvParams>& tsv_fields() {
  using P = noc::TsvParams;
  static const auto t = FieldTable<P>()
                            .add("width_bits", &P::width_bits)
                            .add("diameter_um", &P::diameter_um)
                            .add("capacitance_ff", &P::capacitance_ff)
                            .add("resistance_mohm", &P::resistance_mohm)
                            .add("pitch_factor", &P::pitch_factor)
                            .add("keep_out_um", &P::keep_out_um)
                            .add("min_latency_cycles", &P::min_latency_cycles);
  return t;
}

// An enumerated value: `parse` throws std::invalid_argument naming the choices.
template <typename E>
E read_choice(const ConfigNode& v, E (*parse)(const std::string&)) {
  try {
    return parse(v.as<std::string>());
  } catch (const std::invalid_argument& e) {
    v.fail(e.what());
  }
}

const FieldTable<noc::PacketParams>& packet_fields() {
  using P = noc::PacketParams;
  static const auto t = FieldTable<P>()
                            .add("terminal_latency_cycles", &P::terminal_latency_cycles)
                            .add("back_pressure", &P::back_pressure);
  return t;
}

const FieldTable<noc::FlitParams>& flit_fields() {
  using P = noc::FlitParams;
  static const auto t = FieldTable<P>()
                            .add("vcs", &P::vcs)
                            .add("buffer_flits", &P::buffer_flits)
                            .custom("flow_control",
                                    [](P& p, const ConfigNode& v) {
                                      p.flow_control = read_choice(v, &noc::parse_flow_control);
                                    })
                            .custom("allocator",
                                    [](P& p, const ConfigNode& v) {
                                      p.allocator = read_choice(v, &noc::parse_allocator);
                                    })
                            .custom("routing",
                                    [](P& p, const ConfigNode& v) {
                                      p.routing = read_choice(v, &noc::parse_flit_routing);
                                    })
                            .add("iterations", &P::iterations)
                            .add("routing_cycles", &P::routing_cycles)
                            .add("vc_alloc_cycles", &P::vc_alloc_cycles)
                            .add("switch_alloc_cycles", &P::switch_alloc_cycles)
                            .add("switch_traversal_cycles", &P::switch_traversal_cycles)
                            .add("lookahead_routing", &P::lookahead_routing)
                            .add("credit_cycles", &P::credit_cycles)
                            .add("terminal_latency_cycles", &P::terminal_latency_cycles);
  return t;
}

SiteRef read_site(const ConfigNode& node, const PlatformConfig& cfg) {
  const auto v = node.as<std::vector<int64_t>>();
  if (v.size() != 3) node.fail("a core site is [tier, x, y]");
  // Compare in 64 bits: a coordinate of 2^32 must not wrap onto a real site.
  if (v[0] < 0 || v[0] >= static_cast<int64_t>(cfg.tiers.size()))
    node[0].fail("tier " + std::to_string(v[0]) + " does not exist (the platform has " +
                 std::to_string(cfg.tiers.size()) + " tiers)");
  const auto& t = cfg.tiers[static_cast<std::size_t>(v[0])];
  if (v[1] < 0 || v[2] < 0 || v[1] >= t.width || v[2] >= t.height)
    node.fail("site (" + std::to_string(v[1]) + ", " + std::to_string(v[2]) + ") is outside tier " +
              std::to_string(v[0]) + "'s " + std::to_string(t.width) + "x" +
              std::to_string(t.height) + " grid");
  return SiteRef{static_cast<int>(v[0]), static_cast<int>(v[1]), static_cast<int>(v[2])};
}

int read_tier_index(const ConfigNode& node, const PlatformConfig& cfg) {
  const int t = node.as<int>();
  if (t < 0 || t >= static_cast<int>(cfg.tiers.size()))
    node.fail("tier " + std::to_string(t) + " does not exist (the platform has " +
              std::to_string(cfg.tiers.size()) + " tiers)");
  return t;
}

void read_core_types(const ConfigNode& node, PlatformConfig& cfg) {
  if (!node.is_map() || node.size() == 0) node.fail("expected a map of core types");
  for (const auto& name : node.keys()) {
    const ConfigNode ct = node.child(name);
    CoreType type;
    type.name = name;
    const std::string kind = ct.get<std::string>("kind");
    type.kind = find_block_kind(kind);
    if (type.kind == nullptr) {
      std::string list;
      for (const auto& n : BlockKindRegistry::instance().names())
        list += (list.empty() ? "" : ", ") + n;
      ct.child("kind").fail("unknown core kind '" + kind + "' (" + list + ")");
    }
    type.kind->read(ct, type);
    cfg.core_types.push_back(type);
  }
}

// `plugins:` shared objects that register block kinds, paths relative to the YAML file that
// names them.
void read_plugins(const ConfigNode& node) {
  if (!node.is_seq()) node.fail("expected a list of shared-object paths");
  for (std::size_t i = 0; i < node.size(); ++i) {
    const ConfigNode v = node[i];
    fs::path p = v.as<std::string>();
    if (p.is_relative() && !v.file().empty()) p = fs::path(v.file()).parent_path() / p;
    try {
      load_block_kind_plugin(p.string());
    } catch (const std::invalid_argument& e) {
      v.fail(e.what());
    }
  }
}

void read_tiers(const ConfigNode& node, PlatformConfig& cfg) {
  if (!node.is_seq() || node.size() == 0) node.fail("expected a list of tiers");
  // [limit] 64 tiers of at most 64 x 64 cores: 262,144 cores, far beyond any 3D stack built.
  if (node.size() > 64) node.fail("at most 64 tiers (got " + std::to_string(node.size()) + ")");
  for (std::size_t i = 0; i < node.size(); ++i) {
    const ConfigNode t = node[i];
    t.expect_keys({"name", "core", "grid", "topology", "curve", "die_area_mm2", "wafer_cost_usd"});
    TierConfig tier;
    tier.name = t.get_or<std::string>("name", "tier" + std::to_string(i));
    tier.core_type = t.get<std::string>("core");
    const bool known = std::any_of(cfg.core_types.begin(), cfg.core_types.end(),
                                   [&](const CoreType& c) { return c.name == tier.core_type; });
    if (!known) t.fail_key("core", "no core type named '" + tier.core_type + "' in core_types");
    const auto grid = t.get<std::vector<int64_t>>("grid");
    if (grid.size() != 2) t.fail_key("grid", "grid is [columns, rows]");
    if (grid[0] <= 0 || grid[1] <= 0 || grid[0] > 64 || grid[1] > 64)
      t.fail_key("grid", "each grid dimension must be in [1, 64]");
    tier.width = static_cast<int>(grid[0]);
    tier.height = static_cast<int>(grid[1]);
    const std::string topo = t.get_or<std::string>("topology", "mesh");
    if (topo == "mesh")
      tier.topology = PlanarTopology::kMesh;
    else if (topo == "torus")
      tier.topology = PlanarTopology::kTorus;
    else if (topo == "sfc")
      tier.topology = PlanarTopology::kSfc;
    else if (topo == "none")
      tier.topology = PlanarTopology::kNone;
    else
      t.fail_key("topology", "unknown planar topology '" + topo + "' (mesh, torus, sfc, none)");
    if (t.has("curve")) {
      try {
        tier.curve = noc::parse_sfc_curve(t.get<std::string>("curve"));
      } catch (const std::invalid_argument& e) {
        t.fail_key("curve", e.what());
      }
    }
    if (tier.topology == PlanarTopology::kSfc && tier.curve == noc::SfcCurve::kHilbert) {
      const bool pow2 = (tier.width & (tier.width - 1)) == 0;
      if (tier.width != tier.height || !pow2)
        t.fail_key("grid",
                   "a Hilbert curve needs a square grid with a power-of-two side "
                   "(use curve: snake)");
    }
    tier.die_area_mm2 = t.get_or<double>("die_area_mm2", 0.0);
    if (tier.die_area_mm2 < 0) t.fail_key("die_area_mm2", "must be >= 0");
    tier.wafer_cost_usd = t.get_or<double>("wafer_cost_usd", 0.0);
    if (tier.wafer_cost_usd < 0) t.fail_key("wafer_cost_usd", "must be >= 0");
    cfg.tiers.push_back(tier);
  }
}

noc::LinkKind read_link_kind(const ConfigNode& v) {
  const auto s = v.as<std::string>();
  if (s == "planar") return noc::LinkKind::kPlanar;
  if (s == "vertical" || s == "tsv") return noc::LinkKind::kVertical;
  if (s == "skip") return noc::LinkKind::kSkip;
  v.fail("unknown link kind '" + s + "' (planar, vertical, skip)");
}

void read_vertical(const ConfigNode& node, PlatformConfig& cfg) {
  node.expect_keys({"adjacent", "skip", "wrap", "links"});
  cfg.vertical.adjacent = node.get_or<bool>("adjacent", true);
  cfg.vertical.wrap = node.get_or<bool>("wrap", false);
  if (node.has("skip")) {
    const ConfigNode s = node.child("skip");
    if (!s.is_seq()) s.fail("expected a list of [lower_tier, upper_tier] pairs");
    for (std::size_t i = 0; i < s.size(); ++i) {
      const ConfigNode pair = s[i];
      if (!pair.is_seq() || pair.size() != 2) pair.fail("a skip entry is [lower_tier, upper_tier]");
      const int a = read_tier_index(pair[0], cfg), b = read_tier_index(pair[1], cfg);
      if (std::abs(a - b) < 2) pair.fail("skip links join tiers at least two apart");
      cfg.vertical.skip.emplace_back(a, b);
    }
  }
  if (node.has("links")) {
    const ConfigNode l = node.child("links");
    if (!l.is_seq()) l.fail("expected a list of links");
    for (std::size_t i = 0; i < l.size(); ++i) {
      const ConfigNode e = l[i];
      e.expect_keys({"from", "to", "kind"});
      ExplicitLink link{read_site(e.child("from"), cfg), read_site(e.child("to"), cfg),
                        e.has("kind") ? read_link_kind(e.child("kind")) : noc::LinkKind::kPlanar};
      if (link.a.tier == link.b.tier && link.a.x == link.b.x && link.a.y == link.b.y)
        e.fail("a link must join two different sites");
      cfg.vertical.links.push_back(link);
    }
  }
}

void read_noc(const ConfigNode& node, PlatformConfig& cfg) {
  node.expect_keys({"model", "packet", "router", "wire", "planar", "tsv", "flit"});
  if (node.has("model")) {
    const ConfigNode m = node.child("model");
    cfg.noc.model = read_choice(m, &noc::parse_noc_model);
    cfg.noc_model_at = {m.file(), m.line(), m.column()};
  }
  if (node.has("packet")) read_validated(node.child("packet"), packet_fields(), cfg.noc.packet);
  if (node.has("router")) read_validated(node.child("router"), router_fields(), cfg.noc.router);
  if (node.has("wire")) read_validated(node.child("wire"), wire_fields(), cfg.noc.wire);
  if (node.has("planar")) read_validated(node.child("planar"), planar_fields(), cfg.noc.planar);
  if (node.has("tsv")) read_validated(node.child("tsv"), tsv_fields(), cfg.noc.tsv);
  if (node.has("flit")) read_validated(node.child("flit"), flit_fields(), cfg.noc.flit);
}

void read_placement(const ConfigNode& node, PlatformConfig& cfg) {
  if (!node.is_map()) node.fail("expected a map of kernel class: core type");
  std::vector<std::string> used;  // core types on some tier
  for (const auto& t : cfg.tiers) used.push_back(t.core_type);
  const auto& classes = kernel_classes();
  for (const auto& cls : node.keys()) {
    if (std::find(classes.begin(), classes.end(), cls) == classes.end()) {
      std::string list;
      for (const auto& c : classes) list += (list.empty() ? "" : ", ") + c;
      node.fail_key(cls, "unknown kernel class '" + cls + "' (" + list + ")");
    }
    const ConfigNode v = node.child(cls);
    const std::string type = v.as<std::string>();
    if (std::find(used.begin(), used.end(), type) == used.end())
      v.fail("no tier has core type '" + type + "'");
    const BlockKind& kind = *cfg.core_type(type).kind;
    if (!kind.can_run(cls))
      v.fail("core type '" + type + "' (kind " + kind.name() + ") cannot run '" + cls +
             "' kernels");
    cfg.placement[cls] = type;
  }
}

// ports: {NAME: {kind: target|initiator, attach: [t, x, y], base: A, size: B}, ...}
void read_ports(const ConfigNode& node, PlatformConfig& cfg) {
  if (!node.is_map()) node.fail("expected a map of port names");
  for (const auto& name : node.keys()) {
    const ConfigNode p = node.child(name);
    p.expect_keys({"kind", "attach", "base", "size"});
    PlatformConfig::ExternalPort port;
    port.name = name;
    const std::string kind = p.child("kind").as<std::string>();
    if (kind != "target" && kind != "initiator")
      p.child("kind").fail("expected 'target' or 'initiator'");
    port.initiator = kind == "initiator";
    port.attach = read_site(p.child("attach"), cfg);
    if (!port.initiator) {
      port.base = p.child("base").as<uint64_t>();
      port.size = p.child("size").as<uint64_t>();
      if (port.size == 0) p.child("size").fail("a target's window needs a size above 0");
      if (port.base > ~uint64_t{0} - (port.size - 1))
        p.child("size").fail("the window [base, base + size) overflows 64 bits");
    } else if (p.has("base") || p.has("size")) {
      p.fail_key("base", "an initiator port has no address window");
    }
    cfg.ports.push_back(port);
  }
}

void read_memory(const ConfigNode& node, PlatformConfig& cfg) {
  node.expect_keys({"hbm", "kind"});
  if (node.has("kind")) {
    const ConfigNode kind = node.child("kind");
    const std::string k = kind.as<std::string>();
    if (k != "hbm" && k != "external") kind.fail("expected 'hbm' or 'external'");
    cfg.memory_external = k == "external";
    cfg.memory_kind_at = {kind.file(), kind.line(), kind.column()};
  }
  const ConfigNode hbm = node.child("hbm");
  read_validated(hbm, hbm_fields(), cfg.hbm, {"attach"});
  const ConfigNode attach = hbm.child("attach");
  if (!attach.is_seq() || attach.size() == 0) attach.fail("expected a list of [tier, x, y] sites");
  for (std::size_t i = 0; i < attach.size(); ++i)
    cfg.hbm_attach.push_back(read_site(attach[i], cfg));
}

}  // namespace

std::string resolve_platform_path(const std::string& name_or_path) {
  if (fs::exists(name_or_path) || name_or_path.find('/') != std::string::npos ||
      name_or_path.find(".yaml") != std::string::npos)
    return name_or_path;
  for (const auto& dir : preset_dirs()) {
    const fs::path p = dir / (name_or_path + ".yaml");
    if (fs::exists(p)) return p.string();
  }
  return name_or_path;  // loading reports the missing file
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const auto& dir : preset_dirs()) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".yaml") names.push_back(e.path().stem().string());
    if (!names.empty()) break;
  }
  std::sort(names.begin(), names.end());
  return names;
}

PlatformConfig load_platform(const std::string& name_or_path,
                             const std::vector<std::string>& overrides) {
  const std::string path = resolve_platform_path(name_or_path);
  const ConfigDoc doc = load_config(path, overrides);
  const ConfigNode root = doc.root();
  root.expect_keys({"schema_version", "name", "description", "core_types", "tiers", "vertical",
                    "noc", "memory", "host", "cost", "placement", "include", "ports", "plugins",
                    "kv_cache"});
  PlatformConfig cfg;
  cfg.file = path;
  cfg.effective_yaml = doc.to_yaml();
  const int version = root.get_or<int>("schema_version", kPlatformSchemaVersion);
  if (version != kPlatformSchemaVersion)
    root.fail_key("schema_version",
                  "this atleus-vp reads schema_version " + std::to_string(kPlatformSchemaVersion));
  cfg.name = root.get_or<std::string>("name", fs::path(path).stem().string());
  if (root.has("plugins")) read_plugins(root.child("plugins"));
  read_core_types(root.child("core_types"), cfg);
  read_tiers(root.child("tiers"), cfg);
  if (root.has("vertical")) read_vertical(root.child("vertical"), cfg);
  if (root.has("noc")) read_noc(root.child("noc"), cfg);
  read_memory(root.child("memory"), cfg);
  if (root.has("host")) {
    const ConfigNode host = root.child("host");
    host.expect_keys({"attach"});
    cfg.host_attach = read_site(host.child("attach"), cfg);
  }
  if (root.has("cost")) read_validated(root.child("cost"), cost_fields(), cfg.cost);
  if (root.has("placement")) read_placement(root.child("placement"), cfg);
  if (root.has("kv_cache")) {
    const ConfigNode v = root.child("kv_cache");
    cfg.kv_cache = v.as<std::string>();
    if (cfg.kv_cache != "hbm" && cfg.kv_cache != "sram")
      v.fail("expected hbm or sram, got '" + cfg.kv_cache + "'");
  }
  if (root.has("ports")) read_ports(root.child("ports"), cfg);

  // Structural problems the per-key checks cannot see (a duplicate link, say).
  try {
    const auto plan = plan_network(cfg);
    for (int s = 0; s < static_cast<int>(plan.sites.size()); ++s)
      if (plan.routing->hops(s, plan.hbm_target) < 0)
        root.fail_key("vertical", "core site " + plan.sites[s].name +
                                      " cannot reach the HBM: the network is not connected");
  } catch (const std::invalid_argument& e) {
    // A port's window that overlaps another is the port's fault.
    const std::string what = e.what();
    for (const auto& port : cfg.ports)
      if (what.find("port " + port.name + " ") != std::string::npos)
        root.child("ports").child(port.name).fail_key("base", what);
    root.fail_key(root.has("vertical") ? "vertical" : "tiers", what);
  }
  return cfg;
}

}  // namespace atleus
