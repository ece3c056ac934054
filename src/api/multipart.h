#pragma once
// multipart/form-data (RFC 7578) request bodies, as the OpenAI audio endpoints take them. Our own parser:
// strict about structure (every part delimited and given a name), tolerant of what clients vary in
// (quoted or bare parameters, a preamble, a missing final CRLF). Parts view the body: keep it alive.
// Errors are INVALID_ARGUMENT with a message safe to echo (never raw bytes of the body).

#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace hearth::api {

struct MultipartPart {
    std::string name;
    std::string filename;  // empty for plain fields
    std::string content_type;
    std::string_view data;
};

// The boundary parameter of a `multipart/form-data; boundary=...` Content-Type.
Result<std::string> multipart_boundary(std::string_view content_type);
Result<std::vector<MultipartPart>> parse_multipart(std::string_view body, std::string_view boundary,
                                                   size_t max_parts = 64);

}  // namespace hearth::api
