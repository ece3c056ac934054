#pragma once
// UTF-8 validation for bytes that come from clients (paths, headers, bodies): overlong forms, surrogates and
// code points beyond U+10FFFF are invalid, as in RFC 3629.

#include <string_view>

namespace hearth::utf8 {

bool is_valid(std::string_view text);

}  // namespace hearth::utf8
