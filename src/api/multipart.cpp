#include "api/multipart.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace hearth::api {

namespace {

Error malformed(const std::string& why) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "malformed multipart/form-data body: " + why);
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

// The value of `key` among `; key=value` parameters (quoted or bare); nullopt when absent.
std::optional<std::string> parameter(std::string_view header, std::string_view key) {
    size_t pos = header.find(';');
    while (pos != std::string_view::npos) {
        std::string_view rest = trim(header.substr(pos + 1));
        const size_t eq = rest.find('=');
        const size_t next = rest.find(';');
        if (eq != std::string_view::npos && (next == std::string_view::npos || eq < next) &&
            lower(trim(rest.substr(0, eq))) == key) {
            std::string_view value = trim(rest.substr(eq + 1));
            if (!value.empty() && value.front() == '"') {
                const size_t close = value.find('"', 1);
                return std::string(value.substr(1, close == std::string_view::npos ? value.size() - 1 : close - 1));
            }
            return std::string(trim(value.substr(0, value.find(';'))));
        }
        const size_t skip = header.find(';', pos + 1);
        pos = skip;
    }
    return std::nullopt;
}

Result<MultipartPart> parse_headers(std::string_view headers) {
    MultipartPart part;
    bool disposition = false;
    while (!headers.empty()) {
        const size_t end = headers.find("\r\n");
        const std::string_view line = headers.substr(0, end);
        headers = end == std::string_view::npos ? std::string_view() : headers.substr(end + 2);
        const size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            return malformed("a part header without ':'");
        }
        const std::string name = lower(trim(line.substr(0, colon)));
        const std::string_view value = trim(line.substr(colon + 1));
        if (name == "content-disposition") {
            if (lower(value.substr(0, value.find(';'))) != "form-data") {
                return malformed("a part that is not form-data");
            }
            disposition = true;
            part.name = parameter(value, "name").value_or("");
            part.filename = parameter(value, "filename").value_or("");
        } else if (name == "content-type") {
            part.content_type = std::string(value);
        }
    }
    if (!disposition || part.name.empty()) {
        return malformed("a part without a Content-Disposition name");
    }
    return part;
}

}  // namespace

Result<std::string> multipart_boundary(std::string_view content_type) {
    if (lower(trim(content_type.substr(0, content_type.find(';')))) != "multipart/form-data") {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "this endpoint takes multipart/form-data (a file upload), not '" +
                              std::string(trim(content_type.substr(0, std::min<size_t>(content_type.find(';'), 64)))) +
                              "'");
    }
    auto boundary = parameter(content_type, "boundary");
    if (!boundary || boundary->empty() || boundary->size() > 70) {
        return malformed("the Content-Type has no usable boundary");
    }
    return *boundary;
}

Result<std::vector<MultipartPart>> parse_multipart(std::string_view body, std::string_view boundary, size_t max_parts) {
    const std::string delimiter = "--" + std::string(boundary);
    size_t pos = body.find(delimiter);
    if (pos == std::string_view::npos) {
        return malformed("no boundary delimiter");
    }
    std::vector<MultipartPart> parts;
    const std::string next_delimiter = "\r\n" + delimiter;
    while (true) {
        pos += delimiter.size();
        if (body.substr(pos, 2) == "--") {
            return parts;  // the close delimiter
        }
        if (body.substr(pos, 2) != "\r\n") {
            return malformed("a delimiter not followed by CRLF");
        }
        pos += 2;
        const size_t headers_end = body.find("\r\n\r\n", pos);
        if (headers_end == std::string_view::npos) {
            return malformed("a part's headers never end");
        }
        auto part = parse_headers(body.substr(pos, headers_end - pos));
        if (!part) {
            return part.error();
        }
        const size_t data_start = headers_end + 4;
        const size_t data_end = body.find(next_delimiter, data_start);
        if (data_end == std::string_view::npos) {
            return malformed("the body ends inside a part (no closing boundary)");
        }
        part->data = body.substr(data_start, data_end - data_start);
        if (parts.size() >= max_parts) {
            return malformed("more than " + std::to_string(max_parts) + " parts");
        }
        parts.push_back(std::move(*part));
        pos = data_end + 2;
    }
}

}  // namespace hearth::api
