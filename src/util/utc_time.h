#pragma once
// The current time as hearth writes it into files (benchmark results, pull manifests): ISO 8601 in UTC.

#include <string>

namespace hearth {

// "2026-12-05T07:40:00Z".
std::string utc_timestamp();

}  // namespace hearth
