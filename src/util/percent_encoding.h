#pragma once
// Percent-decoding (RFC 3986) of a URL path segment, query value or file:// path.

#include <optional>
#include <string>
#include <string_view>

namespace hearth {

// %XX sequences decoded (either case); nullopt when one is malformed ("%G1", a truncated "%4"). An encoded NUL
// is decoded like any byte: callers that cannot hold one check for it.
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace hearth
