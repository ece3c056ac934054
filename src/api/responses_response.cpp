#include "api/responses_response.h"

#include "api/completions_response.h"
#include "api/sse.h"

namespace hearth::api {

using json = nlohmann::ordered_json;

namespace {

json value_or(const json& echo, const char* key, json fallback) {
    const auto it = echo.find(key);
    return it == echo.end() || it->is_null() ? std::move(fallback) : *it;
}

json usage_of(const core::Usage& usage) {
    return {{"input_tokens", usage.prompt_tokens},
            {"input_tokens_details", {{"cached_tokens", usage.cached_prompt_tokens}}},
            {"output_tokens", usage.completion_tokens},
            {"output_tokens_details", {{"reasoning_tokens", 0}}},
            {"total_tokens", usage.prompt_tokens + usage.completion_tokens}};
}

json text_part(const std::string& text) {
    return {{"type", "output_text"}, {"text", text}, {"annotations", json::array()}, {"logprobs", json::array()}};
}

}  // namespace

std::string new_item_id(std::string_view prefix) {
    std::string id = new_response_id(prefix);
    id[prefix.size()] = '_';
    return id;
}

std::string response_deleted_body(const std::string& id) {
    return dump_json({{"id", id}, {"object", "response.deleted"}, {"deleted", true}});
}

ResponsesFormatter::ResponsesFormatter(ResponsesOptions options, std::unique_ptr<core::ChatOutputParser> parser,
                                       ResponseSink sink)
    : options_(std::move(options)), parser_(std::move(parser)), sink_(std::move(sink)), choices_(1, 0) {}

std::string ResponsesFormatter::event(std::string_view type, json payload) {
    json out = {{"type", type}, {"sequence_number", sequence_++}};
    for (auto& [key, value] : payload.items()) {
        out[key] = std::move(value);
    }
    return sse_named_event(type, dump_json(out));
}

json ResponsesFormatter::item_json(const Item& item) const {
    const std::string state = item.done ? "completed" : "in_progress";
    switch (item.kind) {
        case Kind::REASONING: {
            json content = item.done ? json::array({{{"type", "reasoning_text"}, {"text", item.text}}}) : json::array();
            return {
                {"id", item.id}, {"type", "reasoning"}, {"summary", json::array()}, {"content", std::move(content)}};
        }
        case Kind::FUNCTION_CALL:
            return {{"id", item.id},           {"type", "function_call"},
                    {"status", state},         {"arguments", item.done ? item.text : ""},
                    {"call_id", item.call_id}, {"name", item.name}};
        case Kind::MESSAGE: break;
    }
    return {{"id", item.id},
            {"type", "message"},
            {"status", state},
            {"role", "assistant"},
            {"content", item.done ? json::array({text_part(item.text)}) : json::array()}};
}

json ResponsesFormatter::response_json(std::string_view state, bool with_usage) const {
    json output = json::array();
    for (const Item& item : items_) {
        output.push_back(item_json(item));
    }
    const json& echo = options_.echo;
    const bool incomplete = state == "incomplete";
    return {{"id", options_.id},
            {"object", "response"},
            {"created_at", options_.created_at},
            {"status", state},
            {"error", nullptr},
            {"incomplete_details", incomplete ? json{{"reason", "max_output_tokens"}} : json(nullptr)},
            {"instructions", value_or(echo, "instructions", nullptr)},
            {"max_output_tokens", value_or(echo, "max_output_tokens", nullptr)},
            {"model", options_.model},
            {"output", std::move(output)},
            {"parallel_tool_calls", value_or(echo, "parallel_tool_calls", true)},
            {"previous_response_id",
             options_.previous_response_id.empty() ? json(nullptr) : json(options_.previous_response_id)},
            {"reasoning", value_or(echo, "reasoning", {{"effort", nullptr}, {"summary", nullptr}})},
            {"store", options_.store},
            {"temperature", value_or(echo, "temperature", 1.0)},
            {"text", value_or(echo, "text", {{"format", {{"type", "text"}}}})},
            {"tool_choice", value_or(echo, "tool_choice", "auto")},
            {"tools", value_or(echo, "tools", json::array())},
            {"top_p", value_or(echo, "top_p", 1.0)},
            {"truncation", "disabled"},
            {"usage", with_usage ? usage_of(choices_.total_usage()) : json(nullptr)},
            {"user", value_or(echo, "user", nullptr)},
            {"metadata", value_or(echo, "metadata", json::object())}};
}

std::string ResponsesFormatter::open_item(Kind kind, const core::ChatDelta& delta) {
    std::string out = close_item();
    Item item;
    item.kind = kind;
    item.id = new_item_id(kind == Kind::MESSAGE ? "msg" : kind == Kind::REASONING ? "rs" : "fc");
    if (kind == Kind::FUNCTION_CALL) {
        item.call_id = delta.tool_call.id;
        item.name = delta.tool_call.name;
        item.tool_index = delta.tool_index.value_or(0);
    }
    items_.push_back(std::move(item));
    const Item& added = items_.back();
    const size_t index = items_.size() - 1;
    out += event("response.output_item.added", {{"output_index", index}, {"item", item_json(added)}});
    if (kind != Kind::FUNCTION_CALL) {
        const json part = kind == Kind::MESSAGE ? text_part("") : json{{"type", "reasoning_text"}, {"text", ""}};
        out += event("response.content_part.added",
                     {{"item_id", added.id}, {"output_index", index}, {"content_index", 0}, {"part", part}});
    }
    return out;
}

std::string ResponsesFormatter::close_item() {
    if (items_.empty() || items_.back().done) {
        return {};
    }
    Item& item = items_.back();
    item.done = true;
    const size_t index = items_.size() - 1;
    const json where = {{"item_id", item.id}, {"output_index", index}};
    std::string out;
    if (item.kind == Kind::FUNCTION_CALL) {
        json done = where;
        done["name"] = item.name;
        done["arguments"] = item.text;
        out += event("response.function_call_arguments.done", std::move(done));
    } else {
        const bool message = item.kind == Kind::MESSAGE;
        json done = where;
        done["content_index"] = 0;
        done["text"] = item.text;
        if (message) {
            done["logprobs"] = json::array();
        }
        out += event(message ? "response.output_text.done" : "response.reasoning_text.done", done);
        json part = where;
        part["content_index"] = 0;
        part["part"] = message ? text_part(item.text) : json{{"type", "reasoning_text"}, {"text", item.text}};
        out += event("response.content_part.done", std::move(part));
    }
    return out + event("response.output_item.done", {{"output_index", index}, {"item", item_json(item)}});
}

std::string ResponsesFormatter::deltas(const std::vector<core::ChatDelta>& deltas) {
    std::string out;
    for (const core::ChatDelta& delta : deltas) {
        Kind kind = Kind::MESSAGE;
        std::string text = delta.content;
        if (delta.tool_index) {
            kind = Kind::FUNCTION_CALL;
            text = delta.tool_call.arguments;
        } else if (!delta.reasoning_content.empty()) {
            kind = Kind::REASONING;
            text = delta.reasoning_content;
        } else if (text.empty()) {
            continue;
        }
        const bool same = !items_.empty() && !items_.back().done && items_.back().kind == kind &&
                          (kind != Kind::FUNCTION_CALL || items_.back().tool_index == *delta.tool_index);
        if (!same) {
            out += open_item(kind, delta);
        }
        if (text.empty()) {
            continue;
        }
        Item& item = items_.back();
        item.text += text;
        json payload = {{"item_id", item.id}, {"output_index", items_.size() - 1}};
        if (kind == Kind::FUNCTION_CALL) {
            payload["delta"] = text;
            out += event("response.function_call_arguments.delta", std::move(payload));
            continue;
        }
        payload["content_index"] = 0;
        payload["delta"] = text;
        if (kind == Kind::MESSAGE) {
            payload["logprobs"] = json::array();
        }
        out += event(kind == Kind::MESSAGE ? "response.output_text.delta" : "response.reasoning_text.delta",
                     std::move(payload));
    }
    return out;
}

std::string ResponsesFormatter::begin() {
    if (started_) {
        return {};
    }
    started_ = true;
    std::string out = event("response.created", {{"response", response_json("in_progress", false)}});
    return out + event("response.in_progress", {{"response", response_json("in_progress", false)}});
}

// Closes the last item; an output without any still has its (empty) message, as OpenAI's has.
std::string ResponsesFormatter::finish_items() {
    std::string out;
    if (items_.empty()) {
        out += open_item(Kind::MESSAGE, core::ChatDelta{});
    }
    return out + close_item();
}

std::string ResponsesFormatter::on_token(const core::TokenEvent& token) {
    std::vector<LogprobEntry> entries;
    std::vector<core::ChatDelta> parsed;
    if (choices_.take_parsed_token(token, *parser_, false, options_.stream, entries, parsed) == nullptr) {
        return {};  // not streaming: the parser keeps the message
    }
    std::string out = begin();
    return out + deltas(parsed);
}

std::string ResponsesFormatter::status() const {
    return choices_.all().front().finish.reason == core::FinishReason::LENGTH ? "incomplete" : "completed";
}

// The assistant turn this output adds to the conversation, and the store's copy of both.
std::string ResponsesFormatter::complete() {
    const core::ChatOutput& message = parser_->message();
    const std::string state = status();
    final_body_ = dump_json(response_json(state, true));
    if (sink_) {
        json turn = {{"role", "assistant"}, {"content", message.content}};
        if (!message.reasoning_content.empty()) {
            turn["reasoning_content"] = message.reasoning_content;
        }
        for (const core::ToolCall& call : message.tool_calls) {
            turn["tool_calls"].push_back({{"id", call.id},
                                          {"type", "function"},
                                          {"function", {{"name", call.name}, {"arguments", call.arguments}}}});
        }
        json history = options_.conversation.is_array() ? options_.conversation : json::array();
        history.push_back(std::move(turn));
        sink_(options_.id, final_body_, dump_json(history));
    }
    return state;
}

std::string ResponsesFormatter::on_finish(const core::FinishEvent& finish) {
    if (choices_.finish(finish) == nullptr) {
        return {};
    }
    const std::vector<core::ChatDelta> rest = parser_->finish();
    if (!options_.stream) {
        std::vector<core::ChatDelta> all;
        const core::ChatOutput& message = parser_->message();
        all.push_back(core::ChatDelta::reasoning(message.reasoning_content));
        all.push_back(core::ChatDelta::text(message.content));
        for (size_t i = 0; i < message.tool_calls.size(); ++i) {
            all.push_back(core::ChatDelta::tool(i, message.tool_calls[i]));
        }
        deltas(all);  // builds the items; the events are not sent
        finish_items();
        complete();
        return {};
    }
    std::string out = begin();
    out += deltas(rest);
    out += finish_items();
    const std::string state = complete();
    return out + event("response." + state, {{"response", json::parse(final_body_)}});
}

}  // namespace hearth::api
