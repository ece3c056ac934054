#include "client/chat_session.h"

#include <nlohmann/json.hpp>

namespace hearth::client {

std::string ChatSession::request_body(std::string_view user) const {
    using nlohmann::json;
    json messages = json::array();
    if (!settings_.system.empty()) {
        messages.push_back({{"role", "system"}, {"content", settings_.system}});
    }
    for (const ChatTurn& turn : turns_) {
        messages.push_back({{"role", "user"}, {"content", turn.user}});
        messages.push_back({{"role", "assistant"}, {"content", turn.assistant}});
    }
    messages.push_back({{"role", "user"}, {"content", std::string(user)}});
    json body = {{"model", settings_.model},
                 {"messages", std::move(messages)},
                 {"stream", true},
                 {"stream_options", {{"include_usage", true}}}};
    if (settings_.temperature) {
        body["temperature"] = *settings_.temperature;
    }
    if (settings_.top_p) {
        body["top_p"] = *settings_.top_p;
    }
    if (settings_.top_k) {
        body["top_k"] = *settings_.top_k;
    }
    if (settings_.max_tokens) {
        body["max_tokens"] = *settings_.max_tokens;
    }
    if (settings_.seed) {
        body["seed"] = *settings_.seed;
    }
    return body.dump();
}

void ChatSession::add_turn(std::string user, std::string assistant) {
    turns_.push_back(ChatTurn{std::move(user), std::move(assistant)});
}

}  // namespace hearth::client
