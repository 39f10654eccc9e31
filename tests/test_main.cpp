// Catch2 entry point shared by every test executable. SystemC needs no sc_main here: tests
// elaborate modules and call sc_start directly, one simulation per process.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

// libsystemc's own main() refers to sc_main; Catch2's main() is the one that runs.
extern "C" int sc_main(int, char**) {
  return 0;
}
