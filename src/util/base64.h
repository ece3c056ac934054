#pragma once
// Base64 (RFC 4648, standard alphabet) for bytes clients send inline, such as images in data: URLs.

#include <optional>
#include <string>
#include <string_view>

namespace hearth {

// Decodes like a browser's atob() (WHATWG "forgiving-base64"): ASCII whitespace anywhere is skipped, because
// clients wrap long data: URLs at 76 columns; padding may be left out, but when present it is one or two '='
// at the very end of a whole number of quanta. Anything else is refused (nullopt): characters outside the
// standard alphabet (the URL-safe '-' and '_' included), '=' in the middle, a lone trailing character. Bits
// left over in the last character are ignored, as atob() and Python's b64decode do.
std::optional<std::string> base64_decode(std::string_view text);

// Standard alphabet, padded.
std::string base64_encode(std::string_view bytes);

}  // namespace hearth
