# Sanitizer options of the test suite, sourced by test.sh and stress-tests.sh. Leak detection is
# on for every test, the SystemC ones included: platform/sanitizer/systemc_asan_fibers.cpp keeps
# AddressSanitizer's idea of the current stack right across SystemC's coroutine switches, so
# LeakSanitizer scans the real main stack at exit.
export ASAN_OPTIONS="detect_leaks=1"
export UBSAN_OPTIONS="print_stacktrace=1"
