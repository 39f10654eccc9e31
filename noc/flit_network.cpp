#include "atleus/noc/flit_network.hpp"

#include <algorithm>
#include <limits>

#include "atleus/models/param_check.hpp"
#include "atleus/noc/link_physics.hpp"

namespace atleus::noc {

NocModel parse_noc_model(const std::string& name) {
  if (name == "packet") return NocModel::kPacket;
  if (name == "flit") return NocModel::kFlit;
  if (name == "flow") return NocModel::kFlow;
  throw std::invalid_argument("unknown NoC model '" + name + "' (packet, flit, flow)");
}

const char* to_string(NocModel model) {
  switch (model) {
    case NocModel::kFlit:
      return "flit";
    case NocModel::kFlow:
      return "flow";
    default:
      return "packet";
  }
}

FlowControl parse_flow_control(const std::string& name) {
  if (name == "wormhole") return FlowControl::kWormhole;
  if (name == "vct") return FlowControl::kVirtualCutThrough;
  throw std::invalid_argument("unknown flow control '" + name + "' (wormhole, vct)");
}

const char* to_string(FlowControl fc) {
  return fc == FlowControl::kVirtualCutThrough ? "vct" : "wormhole";
}

AllocatorKind parse_allocator(const std::string& name) {
  if (name == "round-robin") return AllocatorKind::kRoundRobin;
  if (name == "islip") return AllocatorKind::kIslip;
  throw std::invalid_argument("unknown allocator '" + name + "' (round-robin, islip)");
}

const char* to_string(AllocatorKind kind) {
  return kind == AllocatorKind::kIslip ? "islip" : "round-robin";
}

FlitRouting parse_flit_routing(const std::string& name) {
  if (name == "deterministic") return FlitRouting::kDeterministic;
  if (name == "adaptive") return FlitRouting::kAdaptive;
  throw std::invalid_argument("unknown flit routing '" + name + "' (deterministic, adaptive)");
}

const char* to_string(FlitRouting routing) {
  return routing == FlitRouting::kAdaptive ? "adaptive" : "deterministic";
}

void FlitParams::validate() const {
  require(vcs >= 1 && vcs <= 64, "vcs", "must be in [1, 64]");
  require(buffer_flits >= 1 && buffer_flits <= 4096, "buffer_flits", "must be in [1, 4096]");
  require(iterations >= 1 && iterations <= 64, "iterations", "must be in [1, 64]");
  require(routing_cycles <= 64, "routing_cycles", "must be at most 64");
  require(vc_alloc_cycles <= 64, "vc_alloc_cycles", "must be at most 64");
  require(switch_alloc_cycles <= 64, "switch_alloc_cycles", "must be at most 64");
  require(switch_traversal_cycles <= 64, "switch_traversal_cycles", "must be at most 64");
  require(credit_cycles <= 64, "credit_cycles", "must be at most 64");
  require(terminal_latency_cycles >= 1 && terminal_latency_cycles <= 64, "terminal_latency_cycles",
          "must be in [1, 64] (a channel is registered at its receiver)");
  require(routing != FlitRouting::kAdaptive || vcs >= 2, "routing",
          "adaptive routing needs vcs >= 2 (virtual channel 0 is the escape class)");
}

// ---------------------------------------------------------------------------------------------
// SeparableAllocator

SeparableAllocator::SeparableAllocator(int inputs, int outputs, AllocatorKind kind,
                                       unsigned iterations)
    : ni_(inputs),
      no_(outputs),
      kind_(kind),
      iterations_(std::max(1u, iterations)),
      req_(static_cast<std::size_t>(inputs) * outputs, 0),
      in_ptr_(inputs, 0),
      out_ptr_(outputs, 0),
      in_match_(inputs, -1),
      out_match_(outputs, -1),
      best_(std::max(inputs, outputs), -1),
      best_dist_(std::max(inputs, outputs), 0),
      req_lo_(inputs, 0),
      req_hi_(inputs, -1) {
  req_inputs_.reserve(inputs);
  touched_.reserve(outputs);
  accepts_.reserve(inputs);
}

void SeparableAllocator::request(int in, int out) {
  uint8_t* row = &req_[static_cast<std::size_t>(in) * no_];
  if (in_match_[in] != -2) {  // -2 marks "has requests" between allocate() calls
    in_match_[in] = -2;
    req_inputs_.push_back(in);
    req_lo_[in] = out;
    req_hi_[in] = out;
  }
  row[out] = 1;
  req_lo_[in] = std::min(req_lo_[in], out);
  req_hi_[in] = std::max(req_hi_[in], out);
}

void SeparableAllocator::allocate(std::vector<std::pair<int, int>>& grants) {
  if (req_inputs_.empty()) return;
  for (int in : req_inputs_) in_match_[in] = -1;
  std::vector<int>& best_out = best_;  // per output: chosen input (-1 none)
  std::vector<int>& dist_out = best_dist_;
  std::vector<int>& touched = touched_;
  std::vector<std::pair<int, int>>& accepts = accepts_;  // (input, output)
  const std::size_t first_grant = grants.size();
  for (unsigned it = 0; it < iterations_; ++it) {
    touched.clear();
    if (kind_ == AllocatorKind::kRoundRobin) {
      // Input-first: each free input proposes to its first free requested output at or after
      // its pointer; each output takes the proposer nearest its own pointer.
      for (int in : req_inputs_) {
        if (in_match_[in] >= 0) continue;
        const uint8_t* row = &req_[static_cast<std::size_t>(in) * no_];
        int pick = -1, pick_dist = no_;
        for (int o = req_lo_[in]; o <= req_hi_[in]; ++o) {
          if (!row[o] || out_match_[o] >= 0) continue;
          const int d = (o - in_ptr_[in] + no_) % no_;
          if (d < pick_dist) {
            pick = o;
            pick_dist = d;
          }
        }
        if (pick < 0) continue;
        const int d = (in - out_ptr_[pick] + ni_) % ni_;
        if (best_out[pick] < 0) {
          touched.push_back(pick);
          best_out[pick] = in;
          dist_out[pick] = d;
        } else if (d < dist_out[pick]) {
          best_out[pick] = in;
          dist_out[pick] = d;
        }
      }
      if (touched.empty()) break;
      for (int o : touched) {
        const int in = best_out[o];
        best_out[o] = -1;
        in_match_[in] = o;
        out_match_[o] = in;
        grants.emplace_back(in, o);
        in_ptr_[in] = (o + 1) % no_;
        out_ptr_[o] = (in + 1) % ni_;
      }
    } else {
      // iSLIP: every free output grants the requesting free input nearest its pointer; every
      // input accepts the granting output nearest its pointer. Pointers move only on matches
      // of the first iteration.
      for (int in : req_inputs_) {
        if (in_match_[in] >= 0) continue;
        const uint8_t* row = &req_[static_cast<std::size_t>(in) * no_];
        for (int o = req_lo_[in]; o <= req_hi_[in]; ++o) {
          if (!row[o] || out_match_[o] >= 0) continue;
          const int d = (in - out_ptr_[o] + ni_) % ni_;
          if (best_out[o] < 0) {
            touched.push_back(o);
            best_out[o] = in;
            dist_out[o] = d;
          } else if (d < dist_out[o]) {
            best_out[o] = in;
            dist_out[o] = d;
          }
        }
      }
      if (touched.empty()) break;
      accepts.clear();
      for (int o : touched) {
        const int in = best_out[o];
        best_out[o] = -1;
        const int d = (o - in_ptr_[in] + no_) % no_;
        auto a = std::find_if(accepts.begin(), accepts.end(),
                              [&](const std::pair<int, int>& x) { return x.first == in; });
        if (a == accepts.end())
          accepts.emplace_back(in, o);
        else if (d < (a->second - in_ptr_[in] + no_) % no_)
          a->second = o;
      }
      for (const auto& [in, o] : accepts) {
        in_match_[in] = o;
        out_match_[o] = in;
        grants.emplace_back(in, o);
        if (it == 0) {
          in_ptr_[in] = (o + 1) % no_;
          out_ptr_[o] = (in + 1) % ni_;
        }
      }
    }
  }
  for (std::size_t g = first_grant; g < grants.size(); ++g) out_match_[grants[g].second] = -1;
  for (int in : req_inputs_) {
    std::fill(&req_[static_cast<std::size_t>(in) * no_ + req_lo_[in]],
              &req_[static_cast<std::size_t>(in) * no_ + req_hi_[in] + 1], 0);
    in_match_[in] = -1;
  }
  req_inputs_.clear();
}

// ---------------------------------------------------------------------------------------------
// FlitNetwork

namespace {
constexpr int kInfiniteCredits = std::numeric_limits<int>::max() / 2;
}

FlitNetwork::FlitNetwork(const Topology& topo, const RoutingTable& routing,
                         std::vector<int> terminal_routers, const NocParams& params)
    : params_(params), fp_(params.flit), term_router_(std::move(terminal_routers)) {
  params_.router.validate();
  params_.wire.validate();
  params_.planar.validate();
  params_.tsv.validate();
  fp_.validate();
  vcs_ = fp_.vcs;
  depth_ = fp_.buffer_flits;
  rc_ = fp_.lookahead_routing ? 0 : fp_.routing_cycles;
  const int routers = static_cast<int>(topo.nodes().size());
  const int terms = terminals();
  if (terms == 0) throw std::invalid_argument("flit network needs at least one terminal");
  if (routing.targets() < terms)
    throw std::invalid_argument("routing table has fewer targets than the network has terminals");

  // Ports: neighbours first, then the terminals attached to each router, in terminal order.
  std::vector<int> local_count(routers, 0);
  term_port_.resize(terms);
  for (int t = 0; t < terms; ++t) {
    const int r = term_router_[t];
    if (r < 0 || r >= routers)
      throw std::invalid_argument("terminal attached to a router that does not exist");
    if (routing.hops(r, t) != 0)
      throw std::invalid_argument("routing target " + std::to_string(t) +
                                  " is not delivered at its terminal's router");
    term_port_[t] = topo.radix(r) + local_count[r]++;
  }
  port_base_.assign(routers + 1, 0);
  for (int r = 0; r < routers; ++r)
    port_base_[r + 1] = port_base_[r] + topo.radix(r) + local_count[r];
  const int ports = port_base_[routers];
  int max_ports = 0;
  for (int r = 0; r < routers; ++r)
    max_ports = std::max(max_ports, port_base_[r + 1] - port_base_[r]);

  const uint64_t period = local_port_physics(params_).period_ps;
  const unsigned flit_bits = params_.router.flit_bytes * 8;
  // Per flit switched, at each router's own port count (the packet model's Router does the same).
  router_flit_energy_j_.resize(routers);
  for (int r = 0; r < routers; ++r)
    router_flit_energy_j_[r] =
        flit_bits * router_energy_pj_per_bit(params_.router, topo.radix(r) + local_count[r]) *
        1e-12;

  out_dest_.assign(ports, -1);
  out_latency_.assign(ports, fp_.terminal_latency_cycles);
  out_cpf_.assign(ports, 1);
  out_free_.assign(ports, 0);
  out_energy_.assign(ports, 0.0);
  out_link_.assign(ports, 0);
  in_src_.assign(ports, -1);
  in_latency_.assign(ports, fp_.terminal_latency_cycles);
  port_router_.assign(ports, 0);
  for (int r = 0; r < routers; ++r)
    for (int g = port_base_[r]; g < port_base_[r + 1]; ++g) port_router_[g] = r;

  for (int r = 0; r < routers; ++r) {
    const auto& nbs = topo.neighbours(r);
    for (int i = 0; i < static_cast<int>(nbs.size()); ++i) {
      const auto [nb, link_id] = nbs[i];
      const Link& link = topo.links()[link_id];
      const LinkPhysics phys = link_physics(params_, link.kind, link.tier_span);
      // The receiving port at the neighbour is the one on the same link.
      int j = 0;
      while (topo.neighbours(nb)[j].second != link_id) ++j;
      const int og = port_base_[r] + i, ig = port_base_[nb] + j;
      const unsigned cpf = (flit_bits + phys.width_bits - 1) / phys.width_bits;
      const auto lat = static_cast<unsigned>(std::max<uint64_t>(1, phys.latency_ps / period));
      out_dest_[og] = ig;
      out_cpf_[og] = cpf;
      out_latency_[og] = lat + cpf - 1;  // the flit's last phit arrives cpf - 1 cycles later
      out_energy_[og] = flit_bits * phys.energy_j_per_bit;
      out_link_[og] = 1;
      in_src_[ig] = og;
      in_latency_[ig] = lat;
    }
  }
  for (int t = 0; t < terms; ++t) {
    const int g = port_base_[term_router_[t]] + term_port_[t];
    out_dest_[g] = -1 - t;
    in_src_[g] = -1 - t;
  }

  // Routes: local output port towards every terminal target.
  targets_ = terms;
  route_.assign(static_cast<std::size_t>(routers) * targets_, -1);
  for (int r = 0; r < routers; ++r) {
    const auto& nbs = topo.neighbours(r);
    for (int t = 0; t < targets_; ++t) {
      const int nl = routing.next_link(r, t);
      int port = -1;
      if (nl == RoutingTable::kDeliver) {
        if (term_router_[t] != r)
          throw std::invalid_argument("routing target " + std::to_string(t) +
                                      " is delivered at a router its terminal is not on");
        port = term_port_[t];
      } else if (nl >= 0) {
        for (int i = 0; i < static_cast<int>(nbs.size()); ++i)
          if (nbs[i].second == nl) port = i;
      }
      route_[static_cast<std::size_t>(r) * targets_ + t] = port;
    }
  }
  if (fp_.routing == FlitRouting::kAdaptive) compute_distances(topo);

  ovc_credits_.assign(static_cast<std::size_t>(ports) * vcs_, static_cast<int>(depth_));
  ovc_busy_.assign(static_cast<std::size_t>(ports) * vcs_, 0);
  for (int g = 0; g < ports; ++g)
    if (out_dest_[g] < 0)
      std::fill_n(&ovc_credits_[static_cast<std::size_t>(g) * vcs_], vcs_, kInfiniteCredits);
  const std::size_t ivcs = static_cast<std::size_t>(ports) * vcs_;
  buf_.resize(ivcs * depth_);
  buf_head_.assign(ivcs, 0);
  buf_count_.assign(ivcs, 0);
  ivc_state_.assign(ivcs, kIdle);
  ivc_out_port_.assign(ivcs, -1);
  ivc_out_vc_.assign(ivcs, -1);
  ivc_ready_.assign(ivcs, 0);
  ivc_idle_since_.assign(ivcs, 0);
  sa_vc_ptr_.assign(ports, 0);
  router_buffered_.assign(routers, 0);
  for (int r = 0; r < routers; ++r) {
    const int p = port_base_[r + 1] - port_base_[r];
    vc_alloc_.emplace_back(p * static_cast<int>(vcs_), p * static_cast<int>(vcs_), fp_.allocator,
                           fp_.iterations);
    sw_alloc_.emplace_back(p, p, fp_.allocator, fp_.iterations);
  }
  sa_cand_.assign(static_cast<std::size_t>(max_ports) * vcs_, 0);
  occ_base_.assign(routers + 1, 0);
  for (int r = 0; r < routers; ++r) {
    const int ivcs_here = (port_base_[r + 1] - port_base_[r]) * static_cast<int>(vcs_);
    occ_base_[r + 1] = occ_base_[r] + (ivcs_here + 63) / 64;
  }
  occ_.assign(occ_base_[routers], 0);

  sources_.resize(terms);
  for (auto& s : sources_) s.credits.assign(vcs_, static_cast<int>(depth_));

  // Event wheel longer than the longest delay.
  uint64_t max_delay = 1;
  for (int g = 0; g < ports; ++g) {
    max_delay = std::max<uint64_t>(
        max_delay, fp_.switch_alloc_cycles + fp_.switch_traversal_cycles + out_latency_[g]);
    max_delay = std::max<uint64_t>(max_delay, fp_.credit_cycles + in_latency_[g]);
  }
  uint64_t size = 1;
  while (size <= max_delay) size *= 2;
  wheel_.resize(size);
  wheel_mask_ = size - 1;
}

int FlitNetwork::pipeline_cycles() const {
  return static_cast<int>(rc_ + fp_.vc_alloc_cycles + fp_.switch_alloc_cycles +
                          fp_.switch_traversal_cycles);
}

uint64_t FlitNetwork::zero_load_cycles(int src, int dst, unsigned flits) const {
  uint64_t cycles = fp_.terminal_latency_cycles + (flits - 1);
  int r = term_router_.at(src);
  for (;;) {
    const int port = route_[static_cast<std::size_t>(r) * targets_ + dst];
    if (port < 0) return 0;
    const int og = port_base_[r] + port;
    cycles += pipeline_cycles() + out_latency_[og];
    if (out_dest_[og] < 0) return cycles;
    r = port_router_[out_dest_[og]];
  }
}

std::size_t FlitNetwork::source_queue_length(int terminal) const {
  const Source& s = sources_.at(terminal);
  return s.queue.size() - s.head;
}

uint32_t FlitNetwork::create_packet(int src, int dst, unsigned flits) {
  if (src < 0 || src >= terminals() || dst < 0 || dst >= terminals())
    throw std::invalid_argument("packet between terminals that do not exist");
  if (flits == 0) throw std::invalid_argument("a packet has at least one flit");
  if (fp_.flow_control == FlowControl::kVirtualCutThrough && flits > depth_)
    throw std::invalid_argument("virtual cut-through needs packets of at most buffer_flits (" +
                                std::to_string(depth_) + ") flits, not " + std::to_string(flits));
  if (route_[static_cast<std::size_t>(term_router_[src]) * targets_ + dst] < 0)
    throw std::invalid_argument("terminal " + std::to_string(dst) + " is unreachable from " +
                                std::to_string(src));
  const auto id = static_cast<uint32_t>(packets_.size());
  FlitPacket p;
  p.src = src;
  p.dst = dst;
  p.flits = flits;
  p.created = now_;
  packets_.push_back(p);
  sources_[src].queue.push_back(id);
  stats_.packets_created++;
  return id;
}

void FlitNetwork::schedule(uint64_t delay, const Event& e) {
  wheel_[(now_ + delay) & wheel_mask_].push_back(e);
  pending_events_++;
}

void FlitNetwork::process_events() {
  auto& bucket = wheel_[now_ & wheel_mask_];
  for (const Event& e : bucket) {
    switch (e.kind) {
      case kFlitArrive: {
        const std::size_t ivc = static_cast<std::size_t>(e.index) * vcs_ + e.vc;
        const uint32_t slot = (buf_head_[ivc] + buf_count_[ivc]) % depth_;
        if (buf_count_[ivc] >= depth_)
          throw std::logic_error("flit network: buffer overflow (credit accounting broken)");
        buf_[ivc * depth_ + slot] = {now_, e.packet, e.dst, static_cast<uint8_t>(e.head_tail & 1),
                                     static_cast<uint8_t>((e.head_tail >> 1) & 1)};
        const int r = port_router_[e.index];
        if (buf_count_[ivc]++ == 0) {
          const std::size_t li = ivc - static_cast<std::size_t>(port_base_[r]) * vcs_;
          occ_[occ_base_[r] + li / 64] |= uint64_t{1} << (li % 64);
        }
        router_buffered_[r]++;
        buffered_total_++;
        break;
      }
      case kCreditArrive:
        ovc_credits_[static_cast<std::size_t>(e.index) * vcs_ + e.vc]++;
        break;
      case kSourceCredit:
        sources_[e.index].credits[e.vc]++;
        break;
      case kEject: {
        stats_.flits_delivered++;
        if (e.head_tail & 2) {
          FlitPacket& p = packets_[e.packet];
          p.delivered = now_;
          p.done = true;
          stats_.packets_delivered++;
          delivered_now_.push_back(e.packet);
        }
        break;
      }
      default:
        break;
    }
  }
  pending_events_ -= bucket.size();
  bucket.clear();
}

void FlitNetwork::inject(int t) {
  Source& s = sources_[t];
  if (s.head == s.queue.size()) return;
  const uint32_t id = s.queue[s.head];
  FlitPacket& p = packets_[id];
  if (s.sent == 0) {
    const int need =
        fp_.flow_control == FlowControl::kVirtualCutThrough ? static_cast<int>(p.flits) : 1;
    int pick = -1;
    for (unsigned k = 0; k < vcs_; ++k) {
      const int v = static_cast<int>((s.vc_ptr + k) % vcs_);
      if (s.credits[v] >= need) {
        pick = v;
        break;
      }
    }
    if (pick < 0) return;
    s.vc = pick;
    s.vc_ptr = static_cast<int>((pick + 1) % vcs_);
    p.injected = now_;
  }
  if (s.credits[s.vc] == 0) return;
  s.credits[s.vc]--;
  const bool head = s.sent == 0, tail = s.sent + 1 == p.flits;
  const int g = port_base_[term_router_[t]] + term_port_[t];
  schedule(fp_.terminal_latency_cycles,
           {static_cast<uint32_t>(g), id, static_cast<uint32_t>(p.dst), static_cast<uint16_t>(s.vc),
            kFlitArrive, static_cast<uint8_t>((head ? 1 : 0) | (tail ? 2 : 0))});
  stats_.flits_injected++;
  last_move_ = now_;
  if (!tail) {
    s.sent++;
    return;
  }
  s.sent = 0;
  s.vc = -1;
  s.head++;
  if (s.head >= 4096 && s.head * 2 >= s.queue.size()) {
    s.queue.erase(s.queue.begin(), s.queue.begin() + static_cast<std::ptrdiff_t>(s.head));
    s.head = 0;
  }
}

void FlitNetwork::compute_distances(const Topology& topo) {
  // Hops from every router to every terminal's router: a breadth-first search from each
  // terminal's router over the (undirected) links.
  const int routers = static_cast<int>(topo.nodes().size());
  radix_.resize(routers);
  for (int r = 0; r < routers; ++r) radix_[r] = topo.radix(r);
  dist_.assign(static_cast<std::size_t>(routers) * targets_, kUnreachable);
  std::vector<int> queue;
  for (int t = 0; t < targets_; ++t) {
    queue.assign(1, term_router_[t]);
    dist_[static_cast<std::size_t>(term_router_[t]) * targets_ + t] = 0;
    for (std::size_t head = 0; head < queue.size(); ++head) {
      const int u = queue[head];
      const uint16_t du = dist_[static_cast<std::size_t>(u) * targets_ + t];
      for (const auto& [nb, link] : topo.neighbours(u)) {
        uint16_t& dn = dist_[static_cast<std::size_t>(nb) * targets_ + t];
        if (dn != kUnreachable) continue;
        dn = static_cast<uint16_t>(du + 1);
        queue.push_back(nb);
      }
    }
  }
}

bool FlitNetwork::request_adaptive(int r, int li, uint32_t dst, int escape_port, int need) {
  const int base = port_base_[r];
  const int V = static_cast<int>(vcs_);
  SeparableAllocator& va = vc_alloc_[r];
  bool any = false;
  // The escape class: virtual channel 0, along the deterministic route only.
  const std::size_t esc = static_cast<std::size_t>(base + escape_port) * vcs_;
  if (!ovc_busy_[esc] && ovc_credits_[esc] >= need) {
    va.request(li, escape_port * V);
    any = true;
  }
  // The adaptive classes on the minimal output with the most free downstream slots (ties: the
  // lower port, so the deterministic port's order decides and results stay deterministic).
  const uint16_t here = dist_[static_cast<std::size_t>(r) * targets_ + dst];
  int best = -1, best_free = 0;
  for (int p = 0; p < radix_[r]; ++p) {
    const int nb = port_router_[out_dest_[base + p]];
    if (dist_[static_cast<std::size_t>(nb) * targets_ + dst] + 1 != here) continue;
    const std::size_t ovc0 = static_cast<std::size_t>(base + p) * vcs_;
    int free_slots = 0;
    for (int ov = 1; ov < V; ++ov)
      if (!ovc_busy_[ovc0 + ov] && ovc_credits_[ovc0 + ov] >= need)
        free_slots += ovc_credits_[ovc0 + ov];
    if (free_slots > best_free) {
      best = p;
      best_free = free_slots;
    }
  }
  if (best < 0) return any;
  const std::size_t ovc0 = static_cast<std::size_t>(base + best) * vcs_;
  for (int ov = 1; ov < V; ++ov)
    if (!ovc_busy_[ovc0 + ov] && ovc_credits_[ovc0 + ov] >= need) va.request(li, best * V + ov);
  return true;
}

void FlitNetwork::route_and_allocate(int r) {
  const int base = port_base_[r];
  const int V = static_cast<int>(vcs_);
  const bool vct = fp_.flow_control == FlowControl::kVirtualCutThrough;

  // Input VCs holding flits, from the router's occupancy bitset.
  const std::size_t ivc0 = static_cast<std::size_t>(base) * vcs_;
  uint64_t* occ = &occ_[occ_base_[r]];
  const int words = occ_base_[r + 1] - occ_base_[r];
  occupied_.clear();
  for (int w = 0; w < words; ++w)
    for (uint64_t bits = occ[w]; bits != 0; bits &= bits - 1)
      occupied_.push_back(w * 64 + __builtin_ctzll(bits));

  // Route computation and VC allocation requests.
  SeparableAllocator& va = vc_alloc_[r];
  bool any = false;
  for (int li : occupied_) {
    const std::size_t ivc = ivc0 + li;
    const BufFlit& f = buf_[ivc * depth_ + buf_head_[ivc]];
    if (ivc_state_[ivc] == kIdle) {
      ivc_out_port_[ivc] = route_[static_cast<std::size_t>(r) * targets_ + f.dst];
      ivc_ready_[ivc] = std::max(f.ready, ivc_idle_since_[ivc]) + rc_;
      ivc_state_[ivc] = kRouting;
    }
    if (ivc_state_[ivc] != kRouting || ivc_ready_[ivc] > now_) continue;
    const int op = ivc_out_port_[ivc];
    const int need = vct ? static_cast<int>(packets_[f.packet].flits) : 1;
    if (fp_.routing == FlitRouting::kAdaptive && op < radix_[r]) {
      any |= request_adaptive(r, li, f.dst, op, need);
      continue;
    }
    const std::size_t ovc0 = static_cast<std::size_t>(base + op) * vcs_;
    for (int ov = 0; ov < V; ++ov)
      if (!ovc_busy_[ovc0 + ov] && ovc_credits_[ovc0 + ov] >= need) {
        va.request(li, op * V + ov);
        any = true;
      }
  }
  if (any) {
    grants_.clear();
    va.allocate(grants_);
    for (const auto& [in, out] : grants_) {
      const std::size_t ivc = ivc0 + in;
      const int op = out / V, ov = out % V;
      ovc_busy_[static_cast<std::size_t>(base + op) * vcs_ + ov] = 1;
      ivc_out_port_[ivc] = op;  // adaptive routing fixes the port only here
      ivc_out_vc_[ivc] = ov;
      ivc_state_[ivc] = kActive;
      ivc_ready_[ivc] = now_ + fp_.vc_alloc_cycles;
      stats_.vc_alloc_grants++;
    }
  }

  // Switch allocation requests: one per input port and output port pair with an eligible VC.
  SeparableAllocator& sw = sw_alloc_[r];
  sa_list_.clear();
  for (int li : occupied_) {
    const std::size_t ivc = ivc0 + li;
    if (ivc_state_[ivc] != kActive || ivc_ready_[ivc] > now_) continue;
    const BufFlit& f = buf_[ivc * depth_ + buf_head_[ivc]];
    if (f.ready > now_) continue;
    const int og = base + ivc_out_port_[ivc];
    if (out_free_[og] > now_) continue;
    if (ovc_credits_[static_cast<std::size_t>(og) * vcs_ + ivc_out_vc_[ivc]] <= 0) continue;
    sa_cand_[li] = 1;
    sa_list_.push_back(li);
    sw.request(li / V, ivc_out_port_[ivc]);
  }
  stats_.switch_alloc_requests += sa_list_.size();
  any = !sa_list_.empty();
  if (!any) return;
  grants_.clear();
  sw.allocate(grants_);
  const uint64_t st_delay = fp_.switch_alloc_cycles + fp_.switch_traversal_cycles;
  for (const auto& [lp, op] : grants_) {
    // The granted input port sends one of its eligible VCs for that output, round-robin.
    const int gi = base + lp;
    int v = -1;
    for (int k = 0; k < V; ++k) {
      const int c = (sa_vc_ptr_[gi] + k) % V;
      const std::size_t ivc = static_cast<std::size_t>(gi) * vcs_ + c;
      if (sa_cand_[static_cast<std::size_t>(lp) * vcs_ + c] && ivc_out_port_[ivc] == op) {
        v = c;
        break;
      }
    }
    sa_vc_ptr_[gi] = (v + 1) % V;
    const std::size_t ivc = static_cast<std::size_t>(gi) * vcs_ + v;
    const BufFlit f = buf_[ivc * depth_ + buf_head_[ivc]];
    buf_head_[ivc] = (buf_head_[ivc] + 1) % depth_;
    if (--buf_count_[ivc] == 0) occ[(ivc - ivc0) / 64] &= ~(uint64_t{1} << ((ivc - ivc0) % 64));
    router_buffered_[r]--;
    buffered_total_--;

    // The freed slot's credit goes back upstream (to the router or the source terminal).
    const int up = in_src_[gi];
    const uint64_t credit_delay = fp_.credit_cycles + in_latency_[gi];
    if (up >= 0)
      schedule(credit_delay,
               {static_cast<uint32_t>(up), 0, 0, static_cast<uint16_t>(v), kCreditArrive, 0});
    else
      schedule(credit_delay,
               {static_cast<uint32_t>(-1 - up), 0, 0, static_cast<uint16_t>(v), kSourceCredit, 0});

    const int og = base + op;
    const int ov = ivc_out_vc_[ivc];
    const std::size_t ovc = static_cast<std::size_t>(og) * vcs_ + ov;
    const uint8_t ht = static_cast<uint8_t>(f.head | (f.tail << 1));
    const int dest = out_dest_[og];
    if (dest >= 0) {
      ovc_credits_[ovc]--;
      schedule(st_delay + out_latency_[og], {static_cast<uint32_t>(dest), f.packet, f.dst,
                                             static_cast<uint16_t>(ov), kFlitArrive, ht});
      stats_.link_traversals++;
      stats_.link_energy_j += out_energy_[og];
      if (f.head) packets_[f.packet].hops++;
    } else {
      schedule(st_delay + out_latency_[og], {static_cast<uint32_t>(-1 - dest), f.packet, f.dst,
                                             static_cast<uint16_t>(ov), kEject, ht});
    }
    out_free_[og] = now_ + out_cpf_[og];
    stats_.router_traversals++;
    stats_.router_energy_j += router_flit_energy_j_[port_router_[og]];
    last_move_ = now_;
    if (f.tail) {
      ovc_busy_[ovc] = 0;
      ivc_state_[ivc] = kIdle;
      ivc_idle_since_[ivc] = now_ + 1;
    }
  }
  for (int li : sa_list_) sa_cand_[li] = 0;
}

void FlitNetwork::step() {
  delivered_now_.clear();
  process_events();
  for (int t = 0; t < terminals(); ++t) inject(t);
  const int routers = static_cast<int>(router_buffered_.size());
  for (int r = 0; r < routers; ++r)
    if (router_buffered_[r] > 0) route_and_allocate(r);
  if (buffered_total_ > 0 && now_ - last_move_ > kDeadlockCycles)
    throw FlitDeadlock("flit NoC deadlock: " + std::to_string(buffered_total_) +
                       " flits buffered and none moved for " + std::to_string(kDeadlockCycles) +
                       " cycles at cycle " + std::to_string(now_) +
                       " (the deterministic route's channel dependencies have a cycle: every "
                       "virtual channel may follow it)");
  now_++;
  stats_.cycles = now_;
}

void FlitNetwork::advance_to(uint64_t cycle) {
  while (now_ < cycle && (pending_events_ > 0 || packets_in_flight() > 0)) step();
  if (now_ < cycle) {
    now_ = cycle;
    last_move_ = cycle;
    stats_.cycles = now_;
  }
}

}  // namespace atleus::noc
