// ReasoningGate: which generated pieces a lazy tool-call grammar may see around a thinking block.

#include "engine/reasoning_gate.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hearth::engine {
namespace {

// The pieces the gate admitted, concatenated.
std::string admitted(ReasoningGate gate, const std::vector<std::string>& pieces) {
    std::string out;
    for (const std::string& piece : pieces) {
        if (gate.admit(piece)) {
            out += piece;
        }
    }
    return out;
}

TEST(ReasoningGate, WithoutTagsEverythingIsAdmitted) {
    EXPECT_EQ(admitted(ReasoningGate(), {"<think>", "x", "<tool_call>"}), "<think>x<tool_call>");
    // A block that could never end must not hold the grammar back.
    EXPECT_EQ(admitted(ReasoningGate("<think>", {}, true), {"a", "<tool_call>"}), "a<tool_call>");
}

TEST(ReasoningGate, AThinkingBlockOpeningTheAnswerIsHeldBack) {
    const ReasoningGate gate("<think>", {"</think>"}, false);
    EXPECT_EQ(admitted(gate, {"\n", "<think>", "I could use <tool_call>", " here", "</think>", "\n\n", "<tool_call>"}),
              "\n\n\n<tool_call>");
    // The tags may arrive split over pieces.
    EXPECT_EQ(admitted(gate, {"<th", "ink>", "hm <tool_call>", "</th", "ink>", "<tool_call>"}), "<th<tool_call>");
}

TEST(ReasoningGate, APromptThatOpenedTheBlockStartsInside) {
    const ReasoningGate gate("<think>", {"</think>"}, true);
    EXPECT_EQ(admitted(gate, {"<tool_call> no", "</think>", "<tool_call>"}), "<tool_call>");
}

TEST(ReasoningGate, ThinkingLaterInTheAnswerIsNotABlock) {
    const ReasoningGate gate("<think>", {"</think>"}, false);
    EXPECT_EQ(admitted(gate, {"Hi ", "<think>", "<tool_call>"}), "Hi <think><tool_call>");
}

}  // namespace
}  // namespace hearth::engine
