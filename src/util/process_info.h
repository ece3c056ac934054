#pragma once
// Facts about this process for /metrics: resident memory and start time (Linux /proc; 0 when unavailable).

#include <cstdint>

namespace hearth::process_info {

// Resident set size in bytes.
uint64_t resident_memory_bytes();
// Seconds since the Unix epoch at which this process started (fixed at the first call, which App makes at
// start-up).
double start_time_seconds();
// Seconds since start_time_seconds().
double uptime_seconds();

}  // namespace hearth::process_info
