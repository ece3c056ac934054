#pragma once
// The web page's files, embedded in the binary at build time (web/CMakeLists.txt).

#include <span>
#include <string_view>

namespace hearth::web {

struct WebAsset {
    std::string_view path;          // "/ui/app.js"
    std::string_view content_type;  // without charset
    std::string_view body;
};

std::span<const WebAsset> assets();

}  // namespace hearth::web
