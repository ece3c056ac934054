#include "http/sse_reader.h"

namespace hearth::http {

size_t SseReader::next_event_end() const {
    const size_t lf = pending_.find("\n\n");
    const size_t crlf = pending_.find("\r\n\r\n");
    if (crlf != std::string::npos && (lf == std::string::npos || crlf < lf)) {
        return crlf + 4;
    }
    return lf == std::string::npos ? lf : lf + 2;
}

bool SseReader::feed(std::string_view piece, const DataHandler& on_data) {
    pending_.append(piece);
    size_t end = 0;
    while ((end = next_event_end()) != std::string::npos) {
        const std::string event = pending_.substr(0, end);
        pending_.erase(0, end);
        const size_t data = event.find("data:");
        if (data != 0 && (data == std::string::npos || event[data - 1] != '\n')) {
            continue;  // a comment or another field
        }
        std::string_view payload(event);
        payload.remove_prefix(data + 5);
        if (!payload.empty() && payload.front() == ' ') {
            payload.remove_prefix(1);
        }
        while (!payload.empty() && (payload.back() == '\n' || payload.back() == '\r')) {
            payload.remove_suffix(1);
        }
        if (!on_data(payload)) {
            return false;
        }
    }
    return true;
}

}  // namespace hearth::http
