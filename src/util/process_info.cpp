#include "util/process_info.h"

#include <chrono>
#include <fstream>
#include <unistd.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace hearth::process_info {

namespace {

using Clock = std::chrono::steady_clock;

struct Start {
    Clock::time_point steady = Clock::now();
    double epoch_seconds = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
};

const Start& start() {
    static const Start STARTED;
    return STARTED;
}

}  // namespace

uint64_t resident_memory_bytes() {
    // statm: total and resident sizes in pages.
    std::ifstream statm("/proc/self/statm");
    uint64_t total_pages = 0;
    uint64_t resident_pages = 0;
    if (!(statm >> total_pages >> resident_pages)) {
        return 0;
    }
    const long page = sysconf(_SC_PAGESIZE);
    return resident_pages * static_cast<uint64_t>(page > 0 ? page : 4096);
}

double start_time_seconds() {
    return start().epoch_seconds;
}

double uptime_seconds() {
    return std::chrono::duration<double>(Clock::now() - start().steady).count();
}

void release_free_memory() {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

}  // namespace hearth::process_info
