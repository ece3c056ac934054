#pragma once
// Turns one sequence's generated token pieces into text that is safe to emit: complete UTF-8 only, and never
// any part of a stop string. Text that might still become a stop string (a suffix that is a prefix of one)
// or an incomplete UTF-8 sequence is held back until the next piece decides. Single-threaded: one per slot.

#include <string>
#include <string_view>
#include <vector>

namespace hearth::sched {

class TextOutput {
public:
    explicit TextOutput(std::vector<std::string> stop = {});

    struct Step {
        std::string text;      // ready to emit now
        bool stopped = false;  // a stop string matched: `text` ends just before it; generation must end
    };

    // Appends a token's bytes and returns what may be emitted.
    Step push(std::string_view piece);
    // At the end of generation: whatever is held back (an incomplete UTF-8 tail is replaced by U+FFFD).
    std::string flush();
    // The stop string that matched, once one has (empty before): Anthropic's API reports which one.
    const std::string& matched_stop() const { return matched_; }

private:
    size_t hold_back_for_stop() const;

    std::vector<std::string> stop_;
    std::string pending_;  // bytes not yet emitted
    std::string matched_;
};

// Number of bytes at the end of `text` that form an incomplete UTF-8 sequence (0 when it ends cleanly).
size_t incomplete_utf8_tail(std::string_view text);

}  // namespace hearth::sched
