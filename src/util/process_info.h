#pragma once
// Facts about this process for /metrics: resident memory and start time (Linux /proc; 0 when unavailable);
// and giving freed memory back to the system.

#include <cstdint>

namespace hearth::process_info {

// Resident set size in bytes.
uint64_t resident_memory_bytes();
// Seconds since the Unix epoch at which this process started (fixed at the first call, which App makes at
// start-up).
double start_time_seconds();
// Seconds since start_time_seconds().
double uptime_seconds();
// Hands memory the allocator keeps after frees back to the system (glibc's malloc_trim; nothing elsewhere).
// An unloaded model's buffers were allocated by its own scheduler thread, in that thread's malloc arena, which
// glibc does not shrink by itself: without this, every load/unload cycle left tens of MB resident.
void release_free_memory();

}  // namespace hearth::process_info
