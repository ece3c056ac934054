#include "client/reply_reader.h"

#include <nlohmann/json.hpp>

namespace hearth::client {

namespace {

using nlohmann::json;

std::string string_field(const json& object, const char* name) {
    const auto it = object.find(name);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string error_text(const json& error) {
    if (error.is_object() && error.contains("message") && error["message"].is_string()) {
        return error["message"].get<std::string>();
    }
    return error.dump();
}

}  // namespace

bool ReplyReader::feed(std::string_view piece) {
    if (!error_.empty()) {
        return false;
    }
    return sse_.feed(piece, [this](std::string_view data) { return on_data(data); });
}

bool ReplyReader::on_data(std::string_view data) {
    if (data == "[DONE]") {
        done_ = true;
        return true;
    }
    const json chunk = json::parse(data, nullptr, false);
    if (chunk.is_discarded() || !chunk.is_object()) {
        error_ = "the server sent an event that is not JSON";
        return false;
    }
    if (chunk.contains("error")) {
        error_ = error_text(chunk["error"]);
        return false;
    }
    if (const auto usage = chunk.find("usage"); usage != chunk.end() && usage->is_object()) {
        usage_.prompt_tokens = usage->value("prompt_tokens", usage_.prompt_tokens);
        usage_.completion_tokens = usage->value("completion_tokens", usage_.completion_tokens);
    }
    const auto choices = chunk.find("choices");
    if (choices == chunk.end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object()) {
        return true;  // the usage chunk has no choices
    }
    const json& choice = (*choices)[0];
    if (std::string reason = string_field(choice, "finish_reason"); !reason.empty()) {
        finish_reason_ = std::move(reason);
    }
    const auto delta = choice.find("delta");
    if (delta == choice.end() || !delta->is_object()) {
        return true;
    }
    ReplyDelta out{string_field(*delta, "content"), string_field(*delta, "reasoning_content")};
    if (out.content.empty() && out.reasoning.empty()) {
        return true;
    }
    content_ += out.content;
    if (on_delta_) {
        on_delta_(out);
    }
    return true;
}

std::string error_message(int status, std::string_view body) {
    const json parsed = json::parse(body, nullptr, false);
    if (parsed.is_object() && parsed.contains("error")) {
        return error_text(parsed["error"]);
    }
    std::string start(body.substr(0, 200));
    return "HTTP " + std::to_string(status) + (start.empty() ? "" : ": " + start);
}

}  // namespace hearth::client
