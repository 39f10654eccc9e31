// Completes the AddressSanitizer stack-switch annotations of Debian's SystemC 2.3.4 build.
//
// SystemC runs SC_THREAD processes as QuickThreads coroutines on stacks of their own and tells
// ASan about each switch (__sanitizer_start_switch_fiber before, ..._finish_ after), but only
// half-way:
//  - a switch back to the main coroutine (the kernel, on the thread's own stack) announces the
//    stack [0, 0): the main coroutine records no bounds;
//  - a process that ends leaves through qt_abort, which announces nothing, so ASan goes on
//    believing it runs on the finished process's stack, which SystemC unmaps soon after.
// ASan then has the main thread on the wrong stack: an exception thrown on the kernel's stack
// skips the unpoisoning it needs ("ASan is ignoring requested __asan_handle_no_return", then
// false stack-buffer-overflow reports), and LeakSanitizer at exit scans a dead coroutine's
// range instead of the main stack, and its tracer dies with SIGSEGV when a guard page of a later
// mapping sits in that range (the flaky "LeakSanitizer has encountered a fatal error").
//
// The fix interposes the three symbols that libsystemc resolves at run time (the executable's
// definitions come first in the dynamic lookup order) and forwards to the real ones:
//  - the main thread's true bounds, as ASan itself knew them, are read back at the first switch
//    and substituted for [0, 0);
//  - every coroutine stack announced in a switch is remembered, so qt_abort can announce the
//    stack it jumps to (the one holding the target's saved stack pointer) and finish the switch
//    on arrival.
// Compiled to nothing without ASan; it acts only once libsystemc has made an annotated switch,
// so a SystemC build without annotations is left alone. One thread: the SystemC kernel's.
#if defined(__SANITIZE_ADDRESS__)

#include <dlfcn.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

extern "C" {
struct qt_t;
using qt_helper_t = void*(qt_t*, void*, void*);
}

namespace {

struct StackRange {
  const void* bottom = nullptr;
  std::size_t size = 0;
  bool contains(const void* p) const {
    const auto a = reinterpret_cast<std::uintptr_t>(bottom);
    const auto x = reinterpret_cast<std::uintptr_t>(p);
    return x >= a && x < a + size;
  }
};

using StartFn = void (*)(void**, const void*, std::size_t);
using FinishFn = void (*)(void*, const void**, std::size_t*);
using AbortFn = void (*)(qt_helper_t*, void*, void*, qt_t*);

template <typename Fn>
Fn next_symbol(const char* name) {
  void* sym = dlsym(RTLD_NEXT, name);
  if (sym == nullptr) {
    std::fprintf(stderr, "internal error: %s not found after the fiber-annotation shim\n", name);
    std::abort();
  }
  return reinterpret_cast<Fn>(sym);
}

StartFn real_start() {
  static const StartFn fn = next_symbol<StartFn>("__sanitizer_start_switch_fiber");
  return fn;
}
FinishFn real_finish() {
  static const FinishFn fn = next_symbol<FinishFn>("__sanitizer_finish_switch_fiber");
  return fn;
}
AbortFn real_abort() {
  static const AbortFn fn = next_symbol<AbortFn>("qt_abort");
  return fn;
}

bool annotated = false;      // libsystemc has announced a switch
bool main_known = false;     // main_stack holds ASan's own bounds of the thread's stack
StackRange main_stack;
std::vector<StackRange> coroutine_stacks;  // newest last; a reused address is recorded again
qt_helper_t* pending_abort_helper = nullptr;

StackRange stack_holding(const void* sp) {
  for (auto it = coroutine_stacks.rbegin(); it != coroutine_stacks.rend(); ++it)
    if (it->contains(sp)) return *it;
  return main_stack;
}

void remember(const void* bottom, std::size_t size) {
  for (auto& s : coroutine_stacks)
    if (s.bottom == bottom) {
      s.size = size;
      return;
    }
  coroutine_stacks.push_back({bottom, size});
}

// Runs on the target stack right after qt_abort switched to it.
void* finish_abort_switch(qt_t* sp, void* a0, void* a1) {
  real_finish()(nullptr, nullptr, nullptr);
  return pending_abort_helper(sp, a0, a1);
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) void __sanitizer_start_switch_fiber(void** fake_stack_save,
                                                                           const void* bottom,
                                                                           std::size_t size) {
  annotated = true;
  if (bottom == nullptr && size == 0) {
    if (main_known) {
      bottom = main_stack.bottom;
      size = main_stack.size;
    }
  } else {
    remember(bottom, size);
  }
  real_start()(fake_stack_save, bottom, size);
}

__attribute__((visibility("default"))) void __sanitizer_finish_switch_fiber(
    void* fake_stack_save, const void** bottom_old, std::size_t* size_old) {
  const void* old_bottom = nullptr;
  std::size_t old_size = 0;
  real_finish()(fake_stack_save, &old_bottom, &old_size);
  if (!main_known) {  // the first switch leaves the main stack
    main_stack = {old_bottom, old_size};
    main_known = true;
  }
  if (bottom_old != nullptr) *bottom_old = old_bottom;
  if (size_old != nullptr) *size_old = old_size;
}

__attribute__((visibility("default"))) void qt_abort(qt_helper_t* helper, void* a0, void* a1,
                                                     qt_t* target_sp) {
  if (!annotated || !main_known) {
    real_abort()(helper, a0, a1, target_sp);
    return;
  }
  const StackRange target = stack_holding(target_sp);
  real_start()(nullptr, target.bottom, target.size);  // the ending process's stack is done
  pending_abort_helper = helper;
  real_abort()(finish_abort_switch, a0, a1, target_sp);
}

}  // extern "C"

#endif  // __SANITIZE_ADDRESS__
