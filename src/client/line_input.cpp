#include "client/line_input.h"

#include <cerrno>
#include <unistd.h>

namespace hearth::client {

namespace {

constexpr std::string_view QUOTES = "\"\"\"";

bool ends_with_quotes(const std::string& s) {
    return s.size() >= QUOTES.size() && s.compare(s.size() - QUOTES.size(), QUOTES.size(), QUOTES) == 0;
}

}  // namespace

ReadStatus LineInput::read_line(std::string& line) {
    char chunk[4096];
    for (;;) {
        if (const size_t lf = buffer_.find('\n'); lf != std::string::npos) {
            line = buffer_.substr(0, lf);
            buffer_.erase(0, lf + 1);
            if (!line.empty() && line.back() == '\r') {
                line.pop_back();
            }
            return ReadStatus::LINE;
        }
        const ssize_t n = ::read(fd_, chunk, sizeof chunk);
        if (n > 0) {
            buffer_.append(chunk, static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) {
            buffer_.clear();
            return ReadStatus::INTERRUPTED;
        }
        if (buffer_.empty()) {
            return ReadStatus::END;  // end of input, or a read error: nothing more will come
        }
        line = std::move(buffer_);  // a last line without a line end
        buffer_.clear();
        return ReadStatus::LINE;
    }
}

ReadStatus LineInput::read_prompt(std::string& prompt, const std::function<void()>& more) {
    std::string line;
    if (const ReadStatus status = read_line(line); status != ReadStatus::LINE) {
        return status;
    }
    if (line.compare(0, QUOTES.size(), QUOTES) != 0) {
        prompt = std::move(line);
        return ReadStatus::LINE;
    }
    prompt = line.substr(QUOTES.size());
    if (ends_with_quotes(prompt)) {
        prompt.resize(prompt.size() - QUOTES.size());
        return ReadStatus::LINE;
    }
    for (;;) {
        if (more) {
            more();
        }
        const ReadStatus status = read_line(line);
        if (status == ReadStatus::INTERRUPTED) {
            return status;
        }
        if (status == ReadStatus::END) {
            return ReadStatus::LINE;
        }
        const bool last = ends_with_quotes(line);
        if (last) {
            line.resize(line.size() - QUOTES.size());
        }
        prompt += (prompt.empty() ? "" : "\n") + line;
        if (last) {
            return ReadStatus::LINE;
        }
    }
}

}  // namespace hearth::client
