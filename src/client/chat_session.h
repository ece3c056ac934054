#pragma once
// A terminal chat's state: the settings every request carries (system prompt, sampling) and the turns so far,
// which are sent again with each new prompt (the server keeps no conversation; its prompt cache makes the
// repeated prefix cheap).
// Thread contract: used by one thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::client {

struct ChatSettings {
    std::string model;
    std::string system;  // empty: none
    std::optional<double> temperature;
    std::optional<double> top_p;
    std::optional<int> top_k;
    std::optional<int> max_tokens;
    std::optional<int64_t> seed;
};

struct ChatTurn {
    std::string user;
    std::string assistant;  // what was shown, a stopped reply's part included
};

class ChatSession {
public:
    explicit ChatSession(ChatSettings settings) : settings_(std::move(settings)) {}

    // The streamed chat completion request for `user` after the turns so far (usage included).
    std::string request_body(std::string_view user) const;
    void add_turn(std::string user, std::string assistant);
    // Forgets the turns; the system prompt and sampling settings stay.
    void clear() { turns_.clear(); }
    const std::vector<ChatTurn>& turns() const { return turns_; }
    ChatSettings& settings() { return settings_; }
    const ChatSettings& settings() const { return settings_; }

private:
    ChatSettings settings_;
    std::vector<ChatTurn> turns_;
};

}  // namespace hearth::client
