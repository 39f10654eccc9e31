// Sanitizer builds only: AddressSanitizer must know which stack the SystemC kernel runs on after
// processes have switched, ended and thrown (platform/sanitizer/systemc_asan_fibers.cpp). With
// the wrong stack, LeakSanitizer scans a dead coroutine's range at exit (and crashes on guard
// pages) and exceptions on the kernel's stack leave false stack-buffer-overflow reports behind.
// Each test case runs in its own process (ctest), as every simulation test does.
#include <sanitizer/common_interface_defs.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <stdexcept>
#include <systemc>

namespace {

struct Bounds {
  std::uintptr_t bottom = 0, top = 0;
  bool contains(const void* p) const {
    const auto x = reinterpret_cast<std::uintptr_t>(p);
    return x >= bottom && x < top;
  }
};

// The stack ASan believes the caller runs on, read through the fiber interface and restored:
// a switch to the same bounds that returns the old ones.
Bounds asan_current_stack() {
  void* fake = nullptr;
  __sanitizer_start_switch_fiber(&fake, nullptr, 0);
  const void* bottom = nullptr;
  std::size_t size = 0;
  __sanitizer_finish_switch_fiber(fake, &bottom, &size);
  __sanitizer_start_switch_fiber(&fake, bottom, size);
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
  const auto b = reinterpret_cast<std::uintptr_t>(bottom);
  return {b, b + size};
}

struct Worker : sc_core::sc_module {
  SC_HAS_PROCESS(Worker);
  bool throw_at_end = false;
  int steps_done = 0;
  bool thread_stack_known = false;
  explicit Worker(sc_core::sc_module_name n, bool throws) : sc_module(n), throw_at_end(throws) {
    SC_THREAD(short_lived);
    SC_THREAD(longer_lived);
  }
  // Ends first: SystemC leaves its stack through qt_abort.
  void short_lived() {
    int local = 0;
    thread_stack_known = asan_current_stack().contains(&local);
    wait(1, sc_core::SC_NS);
    ++steps_done;
  }
  // Ends last, so the kernel resumes on the main stack from an ending process.
  void longer_lived() {
    for (int i = 0; i < 3; ++i) {
      wait(2, sc_core::SC_NS);
      ++steps_done;
    }
    if (throw_at_end) throw std::runtime_error("thrown in a process");
  }
};

}  // namespace

TEST_CASE("ASan knows the main stack after processes have switched and ended") {
  Worker w("worker", false);
  sc_core::sc_start();
  int local = 0;
  const Bounds b = asan_current_stack();
  CHECK(w.steps_done == 4);
  CHECK(w.thread_stack_known);
  CHECK(b.contains(&local));
}

TEST_CASE("ASan knows the main stack after an exception left a process") {
  Worker w("worker", true);
  bool caught = false;
  try {
    sc_core::sc_start();
  } catch (const std::exception& e) {
    caught = std::string(e.what()).find("thrown in a process") != std::string::npos;
  }
  int local = 0;
  CHECK(caught);
  CHECK(asan_current_stack().contains(&local));
}
