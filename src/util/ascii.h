#pragma once
// ASCII case folding for names that are ASCII by definition (hosts, headers, tags, file names); bytes above
// 0x7F pass through unchanged.

#include <algorithm>
#include <string>
#include <string_view>

namespace hearth {

inline std::string ascii_lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c); });
    return out;
}

}  // namespace hearth
