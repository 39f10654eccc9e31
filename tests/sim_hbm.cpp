// HBM as a TLM target: latency annotation, channel contention, errors, data storage, and both
// sockets. Each TEST_CASE runs in its own process (one sc_start each). Expected times are
// written from the closed form: 32 GB/s per channel = 31.25 ps/B, 40 ns access latency.
#include <tlm_utils/simple_initiator_socket.h>
#include <catch2/catch.hpp>
#include <cstring>
#include <functional>
#include <systemc>
#include <tlm>
#include <vector>

#include "atleus/models/hbm.hpp"

using namespace atleus;

namespace {

struct Access {
  tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
  uint64_t done_ps = 0;  // sc_time_stamp + returned delay
};

class Initiator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Initiator> socket;
  std::function<void(Initiator&)> body;

  SC_HAS_PROCESS(Initiator);
  Initiator(sc_core::sc_module_name name, std::function<void(Initiator&)> b)
      : sc_core::sc_module(name), socket("socket"), body(std::move(b)) {
    SC_THREAD(run);
  }

  Access access(tlm::tlm_command cmd, uint64_t addr, unsigned len, uint64_t delay_ps = 0,
                unsigned char* data = nullptr, unsigned char* be = nullptr, unsigned be_len = 0) {
    tlm::tlm_generic_payload tx;
    tx.set_command(cmd);
    tx.set_address(addr);
    tx.set_data_ptr(data);
    tx.set_data_length(len);
    tx.set_streaming_width(len);
    tx.set_byte_enable_ptr(be);
    tx.set_byte_enable_length(be_len);
    tx.set_dmi_allowed(false);
    tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::sc_time::from_value(delay_ps);
    socket->b_transport(tx, delay);
    return {tx.get_response_status(), sc_core::sc_time_stamp().value() + delay.value()};
  }

  unsigned debug(tlm::tlm_command cmd, uint64_t addr, unsigned len, unsigned char* data) {
    tlm::tlm_generic_payload tx;
    tx.set_command(cmd);
    tx.set_address(addr);
    tx.set_data_ptr(data);
    tx.set_data_length(len);
    return socket->transport_dbg(tx);
  }

 private:
  void run() { body(*this); }
};

constexpr uint64_t kLatency = 40000;  // ps
}  // namespace

TEST_CASE("direct socket: zero-load latency with arrival offset and energy", "[hbm][sim]") {
  Hbm hbm("hbm", HbmParams{});
  std::vector<Access> got;
  Initiator host("host", [&](Initiator& self) {
    got.push_back(self.access(tlm::TLM_READ_COMMAND, 0, 2048));  // 256 B on each channel
    sc_core::wait(sc_core::sc_time(1, sc_core::SC_US));
    // Arrives 10 ns after now on idle channels: done = now + 10 ns + 64 B x 31.25 ps + 40 ns.
    got.push_back(self.access(tlm::TLM_WRITE_COMMAND, 4096, 64, 10000));
  });
  host.socket.bind(hbm.direct);
  sc_core::sc_start();

  REQUIRE(got.size() == 2);
  CHECK(got[0].status == tlm::TLM_OK_RESPONSE);
  CHECK(got[0].done_ps == 8000 + kLatency);
  CHECK(got[1].status == tlm::TLM_OK_RESPONSE);
  CHECK(got[1].done_ps == 1000000 + 10000 + 2000 + kLatency);
  const HbmStats& s = hbm.stats();
  CHECK(s.reads == 1);
  CHECK(s.writes == 1);
  CHECK(s.bytes_read == 2048);
  CHECK(s.bytes_written == 64);
  CHECK(s.queue_ps == 0);
  CHECK(s.channel_busy_ps[0] == 8000 + 2000);  // offset 4096 is chunk 16 -> channel 0
  CHECK(s.channel_busy_ps[1] == 8000);
  CHECK(s.energy_j == Approx((2048 + 64) * 8 * 3.9e-12));
}

TEST_CASE("accesses to one channel queue while other channels do not", "[hbm][sim]") {
  Hbm hbm("hbm", HbmParams{});
  std::vector<Access> got;
  Initiator host("host", [&](Initiator& self) {
    got.push_back(self.access(tlm::TLM_READ_COMMAND, 0, 256));     // channel 0
    got.push_back(self.access(tlm::TLM_READ_COMMAND, 2048, 256));  // channel 0 again
    got.push_back(self.access(tlm::TLM_READ_COMMAND, 256, 256));   // channel 1, idle
    // Channel 0 is booked until 16 ns; a request arriving at 20 ns no longer waits.
    got.push_back(self.access(tlm::TLM_READ_COMMAND, 4096, 256, 20000));
  });
  host.socket.bind(hbm.direct);
  sc_core::sc_start();

  REQUIRE(got.size() == 4);
  CHECK(got[0].done_ps == 8000 + kLatency);
  CHECK(got[1].done_ps == 16000 + kLatency);  // waited 8 ns for channel 0
  CHECK(got[2].done_ps == 8000 + kLatency);
  CHECK(got[3].done_ps == 20000 + 8000 + kLatency);
  CHECK(hbm.stats().queue_ps == 8000);
  CHECK(hbm.stats().channel_busy_ps[0] == 3 * 8000);
}

TEST_CASE("several NoC attachment points share the channels", "[hbm][sim]") {
  HbmParams p;
  p.base_address = 0x1000'0000;
  Hbm hbm("hbm", p);
  std::vector<Access> got;
  auto body = [&](Initiator& self) {
    got.push_back(self.access(tlm::TLM_WRITE_COMMAND, 0x1000'0000, 256));  // channel 0
  };
  Initiator a("router_a", body);
  Initiator b("router_b", body);
  a.socket.bind(hbm.port);
  b.socket.bind(hbm.port);
  sc_core::sc_start();

  REQUIRE(got.size() == 2);
  CHECK(got[0].status == tlm::TLM_OK_RESPONSE);
  CHECK(got[1].status == tlm::TLM_OK_RESPONSE);
  const uint64_t first = std::min(got[0].done_ps, got[1].done_ps);
  const uint64_t second = std::max(got[0].done_ps, got[1].done_ps);
  CHECK(first == 8000 + kLatency);
  CHECK(second == 16000 + kLatency);
  CHECK(hbm.stats().writes == 2);
  CHECK(hbm.stats().queue_ps == 8000);
}

TEST_CASE("out-of-window addresses and unsupported commands are errors", "[hbm][sim]") {
  HbmParams p;
  p.base_address = 0x4000;
  p.capacity_gib = 1.0 / 1024;  // 1 MiB window [0x4000, 0x104000)
  Hbm hbm("hbm", p);
  std::vector<Access> got;
  Initiator host("host", [&](Initiator& self) {
    got.push_back(self.access(tlm::TLM_READ_COMMAND, 0x3fff, 1));     // below the base
    got.push_back(self.access(tlm::TLM_READ_COMMAND, 0x104000, 1));   // just past the end
    got.push_back(self.access(tlm::TLM_READ_COMMAND, 0x103ff0, 32));  // straddles the end
    got.push_back(self.access(tlm::TLM_READ_COMMAND, 0x103fe0, 32));  // last 32 bytes: ok
    got.push_back(self.access(tlm::TLM_IGNORE_COMMAND, 0x4000, 4));
  });
  host.socket.bind(hbm.direct);
  sc_core::sc_start();

  REQUIRE(got.size() == 5);
  CHECK(got[0].status == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(got[1].status == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(got[2].status == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(got[3].status == tlm::TLM_OK_RESPONSE);
  CHECK(got[4].status == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(hbm.stats().errors == 4);
  CHECK(hbm.stats().reads == 1);
}

TEST_CASE("store_data keeps bytes across pages with byte enables and debug access", "[hbm][sim]") {
  HbmParams p;
  p.store_data = true;
  Hbm hbm("hbm", p);
  std::vector<unsigned char> readback(6000, 0xee), masked(8, 0), unwritten(16, 0xee);
  std::vector<unsigned char> dbg(100, 0);
  Access timed_read;
  unsigned dbg_bytes = 0;
  Initiator host("host", [&](Initiator& self) {
    std::vector<unsigned char> data(6000);
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(i * 7 + 1);
    self.access(tlm::TLM_WRITE_COMMAND, 3000, 6000, 0, data.data());  // spans pages 0..2
    timed_read = self.access(tlm::TLM_READ_COMMAND, 3000, 6000, 0, readback.data());

    // Byte enables (0xff, 0x00) repeating: only even bytes are written.
    std::vector<unsigned char> ones(8, 0x55);
    unsigned char be[2] = {TLM_BYTE_ENABLED, TLM_BYTE_DISABLED};
    self.access(tlm::TLM_WRITE_COMMAND, 100000, 8, 0, ones.data(), be, 2);
    self.access(tlm::TLM_READ_COMMAND, 100000, 8, 0, masked.data());

    self.access(tlm::TLM_READ_COMMAND, 50000000, 16, 0, unwritten.data());

    std::vector<unsigned char> pattern(100, 0xab);
    self.debug(tlm::TLM_WRITE_COMMAND, 7000000, 100, pattern.data());
    dbg_bytes = self.debug(tlm::TLM_READ_COMMAND, 7000000, 100, dbg.data());
  });
  host.socket.bind(hbm.direct);
  sc_core::sc_start();

  CHECK(timed_read.status == tlm::TLM_OK_RESPONSE);
  bool same = true;
  for (std::size_t i = 0; i < readback.size(); ++i)
    same = same && readback[i] == static_cast<unsigned char>(i * 7 + 1);
  CHECK(same);
  CHECK(masked == std::vector<unsigned char>{0x55, 0, 0x55, 0, 0x55, 0, 0x55, 0});
  CHECK(unwritten == std::vector<unsigned char>(16, 0));
  CHECK(dbg_bytes == 100);
  CHECK(dbg == std::vector<unsigned char>(100, 0xab));
  // Debug accesses are not timed or counted.
  CHECK(hbm.stats().reads == 3);
  CHECK(hbm.stats().writes == 2);
}

TEST_CASE("timing-only mode ignores data and refuses debug access", "[hbm][sim]") {
  Hbm hbm("hbm", HbmParams{});  // store_data false
  std::vector<unsigned char> buf(64, 0x11), back(64, 0x22);
  Access w, r;
  unsigned dbg = 1;
  Initiator host("host", [&](Initiator& self) {
    w = self.access(tlm::TLM_WRITE_COMMAND, 0, 64, 0, buf.data());
    r = self.access(tlm::TLM_READ_COMMAND, 0, 64, 0, back.data());
    dbg = self.debug(tlm::TLM_READ_COMMAND, 0, 64, back.data());
  });
  host.socket.bind(hbm.direct);
  sc_core::sc_start();
  CHECK(w.status == tlm::TLM_OK_RESPONSE);
  CHECK(r.status == tlm::TLM_OK_RESPONSE);
  CHECK(r.done_ps == 2000 + 2000 + kLatency);  // the read queues behind the write on channel 0
  CHECK(back == std::vector<unsigned char>(64, 0x22));  // untouched
  CHECK(dbg == 0);
}
