#pragma once
// core generation events → Anthropic Messages API responses: a whole "message" object, or the stream of
// named SSE events Anthropic's SDKs read (message_start, content_block_start, ping, content_block_delta with
// text_delta / thinking_delta / input_json_delta, content_block_stop, message_delta, message_stop). The chat
// output parser's deltas become content blocks: thinking, then text, then one tool_use block per call, each
// opened when its first piece arrives and closed when another kind starts. Errors in Anthropic's shape
// {"type":"error","error":{"type","message"}}, with the same HTTP status table as every other route.
// Same contract as the completions formatters (completions_response.h); one choice only.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/response_parts.h"
#include "core/chat_output.h"
#include "core/generation.h"
#include "util/result.h"

namespace hearth::api {

std::string_view anthropic_error_type(ErrorCode code);
// JSON text of {"type":"error","error":{"type","message"}}.
std::string anthropic_error_body(const Error& error);
// POST /v1/messages/count_tokens: {"input_tokens": n}.
std::string count_tokens_body(int64_t input_tokens);

struct MessagesOptions {
    std::string id;  // "msg_…"
    std::string model;
    bool stream = false;
    int32_t input_tokens = 0;  // the rendered prompt's tokens, for message_start before anything finished
};

class MessagesFormatter {
public:
    MessagesFormatter(MessagesOptions options, std::unique_ptr<core::ChatOutputParser> parser);

    std::string on_token(const core::TokenEvent& event);
    std::string on_finish(const core::FinishEvent& event);
    bool all_finished() const { return choices_.all_finished(); }
    std::string stream_end() const { return {}; }  // message_stop went out with the finish
    std::string body() const;
    std::string error_body(const Error& error) const { return anthropic_error_body(error); }
    std::string stream_error(const Error& error) const;

private:
    enum class Block { NONE, THINKING, TEXT, TOOL_USE };

    std::string start() const;
    std::string deltas(const std::vector<core::ChatDelta>& deltas);
    std::string open_block(Block kind, const core::ChatDelta& delta);
    std::string close_block();
    std::string stop_reason() const;
    nlohmann::ordered_json stop_sequence() const;

    MessagesOptions options_;
    std::unique_ptr<core::ChatOutputParser> parser_;
    ChoiceTracker choices_;
    bool started_ = false;
    Block open_ = Block::NONE;
    int64_t next_index_ = 0;  // the index the next content block gets
    std::optional<size_t> open_tool_;
};

}  // namespace hearth::api
