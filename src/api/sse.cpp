#include "api/sse.h"

#include "api/openai_error.h"

namespace hearth::api {

namespace {

// Appends `prefix` + each line of `text` + "\n"; "\r\n", "\r" and "\n" all end a line in SSE.
void append_lines(std::string& out, std::string_view prefix, std::string_view text) {
    size_t start = 0;
    while (true) {
        const size_t end = text.find_first_of("\r\n", start);
        out += prefix;
        out += text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        out += '\n';
        if (end == std::string_view::npos) {
            return;
        }
        start = end + 1;
        if (text[end] == '\r' && start < text.size() && text[start] == '\n') {
            ++start;
        }
    }
}

}  // namespace

std::string sse_event(std::string_view payload) {
    std::string out;
    out.reserve(payload.size() + 8);
    append_lines(out, "data: ", payload);
    out += '\n';
    return out;
}

std::string sse_named_event(std::string_view name, std::string_view payload) {
    std::string out = "event: ";
    out += name;
    out += '\n';
    return out + sse_event(payload);
}

std::string sse_done() {
    return "data: [DONE]\n\n";
}

std::string sse_error(const Error& error) {
    return sse_event(error_body(error));
}

std::string sse_comment(std::string_view text) {
    std::string out;
    append_lines(out, ": ", text);
    out += '\n';
    return out;
}

}  // namespace hearth::api
