#include "http/http_types.h"

#include <cctype>

namespace hearth::http {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

std::optional<std::string> HttpRequest::header(std::string_view name) const {
    for (const Header& h : headers) {
        if (iequals(h.name, name)) {
            return h.value;
        }
    }
    return std::nullopt;
}

}  // namespace hearth::http
