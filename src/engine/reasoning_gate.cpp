#include "engine/reasoning_gate.h"

#include <algorithm>
#include <utility>

namespace hearth::engine {

namespace {

std::string_view trim_left(std::string_view text) {
    const size_t first = text.find_first_not_of(" \t\r\n");
    return first == std::string_view::npos ? std::string_view() : text.substr(first);
}

}  // namespace

ReasoningGate::ReasoningGate(std::string start_tag, std::vector<std::string> end_tags, bool starts_inside)
    : start_tag_(std::move(start_tag)), end_tags_(std::move(end_tags)) {
    std::erase_if(end_tags_, [](const std::string& tag) { return tag.empty(); });
    if (end_tags_.empty()) {
        return;  // a block that cannot end must not hold the grammar back forever
    }
    state_ = starts_inside ? State::INSIDE : start_tag_.empty() ? State::AFTER : State::BEFORE;
}

bool ReasoningGate::admit(std::string_view piece) {
    switch (state_) {
        case State::AFTER: return true;
        case State::BEFORE: {
            seen_ += piece;
            const std::string_view text = trim_left(seen_);
            if (text.starts_with(start_tag_)) {
                state_ = State::INSIDE;
                seen_ = std::string(text.substr(start_tag_.size()));
                return false;
            }
            if (!std::string_view(start_tag_).starts_with(text)) {
                state_ = State::AFTER;  // the answer began without thinking
            }
            return true;  // whitespace or part of the start tag: nothing a trigger can match
        }
        case State::INSIDE: break;
    }
    seen_ += piece;
    size_t longest = 0;
    for (const std::string& tag : end_tags_) {
        if (seen_.find(tag) != std::string::npos) {
            state_ = State::AFTER;
            seen_.clear();
            return false;  // the end tag's own token stays out too
        }
        longest = std::max(longest, tag.size());
    }
    if (seen_.size() > longest) {
        seen_.erase(0, seen_.size() - longest);
    }
    return false;
}

}  // namespace hearth::engine
