// Errors raised inside SystemC processes. An exception must not unwind through the kernel (its
// processes run on their own stacks; SystemC would turn it into an sc_report and lose its type):
// each process body runs in guard_process(), which catches the error on the process's own
// stack, records the first one, and stops the simulation; start_simulation() runs sc_start()
// and rethrows the recorded error in the caller, where the command line reports it.
#pragma once

#include <exception>
#include <systemc>
#include <utility>

namespace atleus {

// The first error a process raised since the last start_simulation() (one simulation per
// process: SystemC elaborates once).
inline std::exception_ptr& pending_simulation_error() {
  static std::exception_ptr error;
  return error;
}

template <typename F>
void guard_process(F&& body) {
  try {
    body();
  } catch (const sc_core::sc_unwind_exception&) {
    throw;  // the kernel's own unwinding of a killed or reset process
  } catch (...) {
    if (!pending_simulation_error()) pending_simulation_error() = std::current_exception();
    sc_core::sc_stop();
  }
}

// Rethrows the first error a guarded process raised, if any (the platforms' collect() calls
// it, so a user who runs sc_start() themselves sees the error too).
inline void rethrow_simulation_error() {
  if (std::exception_ptr e = std::exchange(pending_simulation_error(), nullptr))
    std::rethrow_exception(e);
}

// sc_start(), then the first error a guarded process raised, if any.
inline void start_simulation() {
  pending_simulation_error() = nullptr;
  sc_core::sc_start();
  rethrow_simulation_error();
}

}  // namespace atleus
