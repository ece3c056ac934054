#pragma once
// Reads a streamed chat completion (OpenAI's chat.completion.chunk events) as it arrives: the text and the
// reasoning of each delta, the finish reason, the usage of the last chunk, and an error event or a malformed
// stream as an error.
// Thread contract: one reader per stream, used by the thread reading it.

#include <functional>
#include <string>
#include <string_view>

#include "http/sse_reader.h"

namespace hearth::client {

struct ReplyDelta {
    std::string content;
    std::string reasoning;  // reasoning_content: a thinking model's reasoning, shown apart
};

struct ReplyUsage {
    int prompt_tokens = -1;  // -1: not reported
    int completion_tokens = -1;
};

class ReplyReader {
public:
    using DeltaHandler = std::function<void(const ReplyDelta&)>;
    explicit ReplyReader(DeltaHandler on_delta) : on_delta_(std::move(on_delta)) {}

    // A piece of the body; false once the stream carried an error or something that is not a chunk.
    bool feed(std::string_view piece);
    bool done() const { return done_; }  // the stream's [DONE] arrived
    const std::string& error() const { return error_; }
    const std::string& content() const { return content_; }
    const std::string& finish_reason() const { return finish_reason_; }
    ReplyUsage usage() const { return usage_; }

private:
    bool on_data(std::string_view data);

    DeltaHandler on_delta_;
    http::SseReader sse_;
    std::string content_;
    std::string finish_reason_;
    std::string error_;
    ReplyUsage usage_;
    bool done_ = false;
};

// What went wrong, from a non-200 answer: the OpenAI error's message, else the start of the body.
std::string error_message(int status, std::string_view body);

}  // namespace hearth::client
