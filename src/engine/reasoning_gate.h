#pragma once
// Keeps a lazy tool-call grammar out of a thinking block. A lazy grammar starts constraining when its trigger
// ("<tool_call>" and the like) appears in the generated text; a model that mentions the marker while thinking
// would be forced into a call inside its reasoning. As llama.cpp common's sampler does with its reasoning
// budget, the grammar sees no token until the thinking block is over. Thinking can only open the answer:
// once anything else was written, the gate stays open. Plain data; one per sequence.

#include <string>
#include <string_view>
#include <vector>

namespace hearth::engine {

class ReasoningGate {
public:
    ReasoningGate() = default;  // no thinking tags: always open
    // starts_inside: the prompt already opened the block (templates that end with "<think>\n").
    ReasoningGate(std::string start_tag, std::vector<std::string> end_tags, bool starts_inside);

    // Takes the next generated piece; true when the grammar should see it.
    bool admit(std::string_view piece);

private:
    enum class State { BEFORE, INSIDE, AFTER };

    std::string start_tag_;
    std::vector<std::string> end_tags_;
    State state_ = State::AFTER;
    std::string seen_;  // BEFORE: the text so far; INSIDE: the block's tail, enough to hold an end tag
};

}  // namespace hearth::engine
