// Built into `ufb` only with -DUFB_TSAN=ON: ThreadSanitizer reads these suppressions from the
// binary itself, so every run of the instrumented server uses them.
//
// Debian's cpp-httplib is a compiled library without TSan instrumentation. Its function-local
// statics (the set of HTTP method names, say) are published by an inline acquire load TSan
// cannot see, so the first connection thread's initialization and a second thread's reads
// look like a race. Accesses the library's own calls make (memcmp, memcpy) are therefore not
// checked; its mutexes and threads still are, and so is every access our code makes.
extern "C" const char* __tsan_default_suppressions() { return "called_from_lib:libcpp-httplib.so\n"; }
