#include "api/messages_response.h"

#include "api/openai_error.h"
#include "api/sse.h"

namespace hearth::api {

using json = nlohmann::ordered_json;

namespace {

std::string event(std::string_view name, const json& payload) {
    return sse_named_event(name, dump_json(payload));
}

json usage(int32_t input_tokens, int32_t output_tokens) {
    return {{"input_tokens", input_tokens}, {"output_tokens", output_tokens}};
}

// A tool call's arguments as the input object; a model's malformed JSON (never under the grammar) keeps its
// text rather than failing the response.
json tool_input(const std::string& arguments) {
    json input = json::parse(arguments, nullptr, false);
    if (input.is_discarded() || !input.is_object()) {
        return arguments.empty() ? json::object() : json{{"arguments", arguments}};
    }
    return input;
}

}  // namespace

std::string_view anthropic_error_type(ErrorCode code) {
    switch (http_status(code)) {
        case 400:
        case 405:
        case 431: return "invalid_request_error";
        case 401: return "authentication_error";
        case 404: return "not_found_error";
        case 413: return "request_too_large";
        case 429: return "rate_limit_error";
        case 503:
        case 507: return "overloaded_error";
        default: break;
    }
    return "api_error";
}

std::string anthropic_error_body(const Error& error) {
    return dump_json(
        {{"type", "error"}, {"error", {{"type", anthropic_error_type(error.code)}, {"message", error.message}}}});
}

std::string count_tokens_body(int64_t input_tokens) {
    return dump_json({{"input_tokens", input_tokens}});
}

MessagesFormatter::MessagesFormatter(MessagesOptions options, std::unique_ptr<core::ChatOutputParser> parser)
    : options_(std::move(options)), parser_(std::move(parser)), choices_(1, 0) {}

std::string MessagesFormatter::stream_error(const Error& error) const {
    return sse_named_event("error", anthropic_error_body(error));
}

std::string MessagesFormatter::start() const {
    json message = {{"id", options_.id},        {"type", "message"},
                    {"role", "assistant"},      {"model", options_.model},
                    {"content", json::array()}, {"stop_reason", nullptr},
                    {"stop_sequence", nullptr}, {"usage", usage(options_.input_tokens, 0)}};
    return event("message_start", {{"type", "message_start"}, {"message", std::move(message)}});
}

std::string MessagesFormatter::close_block() {
    if (open_ == Block::NONE) {
        return {};
    }
    open_ = Block::NONE;
    open_tool_.reset();
    return event("content_block_stop", {{"type", "content_block_stop"}, {"index", next_index_ - 1}});
}

std::string MessagesFormatter::open_block(Block kind, const core::ChatDelta& delta) {
    std::string out = close_block();
    json block;
    switch (kind) {
        case Block::THINKING: block = {{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}; break;
        case Block::TOOL_USE:
            block = {{"type", "tool_use"},
                     {"id", delta.tool_call.id},
                     {"name", delta.tool_call.name},
                     {"input", json::object()}};
            open_tool_ = delta.tool_index;
            break;
        default: block = {{"type", "text"}, {"text", ""}}; break;
    }
    out += event("content_block_start",
                 {{"type", "content_block_start"}, {"index", next_index_}, {"content_block", std::move(block)}});
    if (next_index_ == 0) {
        out += event("ping", {{"type", "ping"}});  // where Anthropic sends it: after the first block opens
    }
    ++next_index_;
    open_ = kind;
    return out;
}

std::string MessagesFormatter::deltas(const std::vector<core::ChatDelta>& deltas) {
    std::string out;
    for (const core::ChatDelta& delta : deltas) {
        Block kind = Block::TEXT;
        json body;
        if (delta.tool_index) {
            kind = Block::TOOL_USE;
            body = {{"type", "input_json_delta"}, {"partial_json", delta.tool_call.arguments}};
        } else if (!delta.reasoning_content.empty()) {
            kind = Block::THINKING;
            body = {{"type", "thinking_delta"}, {"thinking", delta.reasoning_content}};
        } else if (!delta.content.empty()) {
            body = {{"type", "text_delta"}, {"text", delta.content}};
        } else {
            continue;
        }
        if (open_ != kind || (kind == Block::TOOL_USE && open_tool_ != delta.tool_index)) {
            out += open_block(kind, delta);
        }
        if (kind != Block::TOOL_USE || !delta.tool_call.arguments.empty()) {
            out += event("content_block_delta",
                         {{"type", "content_block_delta"}, {"index", next_index_ - 1}, {"delta", std::move(body)}});
        }
    }
    return out;
}

std::string MessagesFormatter::on_token(const core::TokenEvent& event) {
    std::vector<LogprobEntry> entries;
    std::vector<core::ChatDelta> parsed;
    if (choices_.take_parsed_token(event, *parser_, false, options_.stream, entries, parsed) == nullptr) {
        return {};  // not streaming: the parser keeps the message
    }
    std::string out = started_ ? std::string() : start();
    started_ = true;
    return out + deltas(parsed);
}

std::string MessagesFormatter::stop_reason() const {
    const ChoiceState& choice = choices_.all().front();
    if (choice.finish.reason == core::FinishReason::LENGTH) {
        return "max_tokens";
    }
    if (!choice.finish.stop_sequence.empty()) {
        return "stop_sequence";
    }
    return parser_->message().tool_calls.empty() ? "end_turn" : "tool_use";
}

// The stop string that ended the message, else null.
json MessagesFormatter::stop_sequence() const {
    const std::string& matched = choices_.all().front().finish.stop_sequence;
    return matched.empty() ? json(nullptr) : json(matched);
}

std::string MessagesFormatter::on_finish(const core::FinishEvent& finish) {
    if (choices_.finish(finish) == nullptr) {
        return {};
    }
    const std::vector<core::ChatDelta> rest = parser_->finish();
    if (!options_.stream) {
        return {};
    }
    std::string out = started_ ? std::string() : start();
    started_ = true;
    out += deltas(rest);
    if (next_index_ == 0) {
        out += open_block(Block::TEXT, {});
    }
    out += close_block();  // after the deltas: they may open the last block
    const core::Usage used = choices_.total_usage();
    out += event("message_delta", {{"type", "message_delta"},
                                   {"delta", {{"stop_reason", stop_reason()}, {"stop_sequence", stop_sequence()}}},
                                   {"usage", usage(used.prompt_tokens, used.completion_tokens)}});
    return out + event("message_stop", {{"type", "message_stop"}});
}

std::string MessagesFormatter::body() const {
    const core::ChatOutput& message = parser_->message();
    json content = json::array();
    if (!message.reasoning_content.empty()) {
        content.push_back({{"type", "thinking"}, {"thinking", message.reasoning_content}, {"signature", ""}});
    }
    // A message with nothing to say still has its one (empty) text block, as the stream sends it.
    if (!message.content.empty() || (message.tool_calls.empty() && message.reasoning_content.empty())) {
        content.push_back({{"type", "text"}, {"text", message.content}});
    }
    for (const core::ToolCall& call : message.tool_calls) {
        content.push_back(
            {{"type", "tool_use"}, {"id", call.id}, {"name", call.name}, {"input", tool_input(call.arguments)}});
    }
    const core::Usage used = choices_.total_usage();
    return dump_json({{"id", options_.id},
                      {"type", "message"},
                      {"role", "assistant"},
                      {"model", options_.model},
                      {"content", std::move(content)},
                      {"stop_reason", stop_reason()},
                      {"stop_sequence", stop_sequence()},
                      {"usage", usage(used.prompt_tokens, used.completion_tokens)}});
}

}  // namespace hearth::api
