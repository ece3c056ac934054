#pragma once
// Lists written as one string (flags and options such as "CUDA0,CUDA1" or "h1:50052,h2:50052").

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace hearth {

// The pieces of `text` between `separator`s, empty pieces left out.
inline std::vector<std::string> split_list(std::string_view text, char separator = ',') {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t end = std::min(text.find(separator, start), text.size());
        if (end > start) {
            out.emplace_back(text.substr(start, end - start));
        }
        start = end + 1;
    }
    return out;
}

}  // namespace hearth
