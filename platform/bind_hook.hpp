// BindHook: called for every socket binding the platform makes, before elaboration ends, with a
// name for the binding ("from -> to"). Return true after connecting the two yourself (for
// example initiator -> your tracer or checker -> target); false lets the platform bind them.
#pragma once

#include <functional>
#include <string>
#include <tlm>

namespace atleus {

using BindHook = std::function<bool(const std::string& binding, tlm::tlm_initiator_socket<>& from,
                                    tlm::tlm_base_target_socket_b<>& to)>;

// Binds `from` to `to` through `hook` when there is one.
inline void bind_through(const BindHook& hook, tlm::tlm_initiator_socket<>& from,
                         tlm::tlm_base_target_socket_b<>& to) {
  if (hook) {
    const auto* target = dynamic_cast<const sc_core::sc_object*>(&to.get_base_export());
    if (hook(std::string(from.name()) + " -> " + (target ? target->name() : "?"), from, to)) return;
  }
  from.bind(to);
}

}  // namespace atleus
