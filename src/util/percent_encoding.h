#pragma once
// Percent-decoding (RFC 3986) of a URL path segment, query value or file:// path, and percent-encoding of a
// path hearth puts in a URL.

#include <optional>
#include <string>
#include <string_view>

namespace hearth {

// %XX sequences decoded (either case); nullopt when one is malformed ("%G1", a truncated "%4"). An encoded NUL
// is decoded like any byte: callers that cannot hold one check for it.
std::optional<std::string> percent_decode(std::string_view text);

// Every byte but the unreserved characters (letters, digits, - . _ ~) and '/' as %XX.
std::string percent_encode_path(std::string_view path);

}  // namespace hearth
