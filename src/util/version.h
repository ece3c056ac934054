#pragma once
// hearth's version, from the CMake project version.

#include <string_view>

namespace hearth {

inline constexpr std::string_view HEARTH_VERSION = HEARTH_VERSION_STRING;

}  // namespace hearth
