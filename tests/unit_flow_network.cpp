// The flow model's max-min fair sharing, against finish times worked out by hand.
#include <catch2/catch.hpp>

#include "atleus/noc/flow_network.hpp"

using atleus::noc::FlowNetwork;

TEST_CASE("flow: a lone flow takes its size over the slowest channel plus its head latency",
          "[flow]") {
  FlowNetwork net;
  // 256-bit channels at 1 GHz carry 32 bytes per 1000 ps; one half as wide.
  const int a = net.add_channel(32.0 / 1000), b = net.add_channel(16.0 / 1000),
            c = net.add_channel(32.0 / 1000);
  // Head latency: 3 routers of 3 cycles, 2 links and 2 terminal channels of 1 cycle.
  const uint64_t head = (3 * 3 + 2 + 2) * 1000;
  const int f = net.add_flow(5000, {a, c}, 4096, head);
  const int g = net.add_flow(1'000'000, {a, b, c}, 4096, head);
  net.solve();
  CHECK(net.finish_ps(f) == 5000 + 4096 / 32 * 1000 + head);
  CHECK(net.finish_ps(g) == 1'000'000 + 4096 / 16 * 1000 + head);
}

TEST_CASE("flow: two flows sharing a channel each get half of it", "[flow]") {
  FlowNetwork net;
  const int in1 = net.add_channel(1.0), in2 = net.add_channel(1.0), shared = net.add_channel(1.0);
  const int f = net.add_flow(0, {in1, shared}, 1000, 0);
  const int g = net.add_flow(0, {in2, shared}, 1000, 0);
  net.solve();
  CHECK(net.finish_ps(f) == 2000);
  CHECK(net.finish_ps(g) == 2000);
}

TEST_CASE("flow: shares are recomputed when a flow starts", "[flow]") {
  // f alone at rate 1 for 100 ps sends 100 of its 200 bytes; then f and g share at 1/2 each:
  // both need 200 ps more.
  FlowNetwork net;
  const int ch = net.add_channel(1.0);
  const int f = net.add_flow(0, {ch}, 200, 0);
  const int g = net.add_flow(100, {ch}, 100, 0);
  net.solve();
  CHECK(net.finish_ps(f) == 300);
  CHECK(net.finish_ps(g) == 300);
}

TEST_CASE("flow: max-min fair shares on two channels, recomputed when flows finish", "[flow]") {
  // Channel A carries 1 byte/ps, B 2. f1 crosses A and B, f2 only A, f3 and f4 only B.
  // Progressive filling: A's share 1/2 < B's 2/3, so A saturates first: f1 = f2 = 1/2; B's
  // remaining 1.5 goes to f3 and f4: 3/4 each.
  // f1 and f2 (100 bytes) finish at 200 ps; f3 and f4 (300 bytes) have sent 150 by then and
  // get B to themselves: 1 each, finishing 150 ps later.
  FlowNetwork net;
  const int A = net.add_channel(1.0), B = net.add_channel(2.0);
  const int f1 = net.add_flow(0, {A, B}, 100, 10);
  const int f2 = net.add_flow(0, {A}, 100, 0);
  const int f3 = net.add_flow(0, {B}, 300, 0);
  const int f4 = net.add_flow(0, {B}, 300, 0);
  net.solve();
  CHECK(net.finish_ps(f1) == 200 + 10);
  CHECK(net.finish_ps(f2) == 200);
  CHECK(net.finish_ps(f3) == 350);
  CHECK(net.finish_ps(f4) == 350);
  // Unequal shares: a fair share is not an equal split of every channel.
  FlowNetwork net2;
  const int C = net2.add_channel(1.0), D = net2.add_channel(1.0);
  // g1 crosses C and D, g2 and g3 cross D only, g4 crosses C only: D's share 1/3 is the least,
  // so g1 = g2 = g3 = 1/3 and g4 takes C's remaining 2/3.
  const int g1 = net2.add_flow(0, {C, D}, 30, 0);
  const int g4 = net2.add_flow(0, {C}, 60, 0);
  net2.add_flow(0, {D}, 30, 0);
  net2.add_flow(0, {D}, 30, 0);
  net2.solve();
  CHECK(net2.finish_ps(g1) == 90);
  CHECK(net2.finish_ps(g4) == 90);
}
