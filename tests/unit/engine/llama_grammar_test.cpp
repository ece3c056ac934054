// tighten_tool_grammar: the rewrite that makes llama.cpp's tool-call grammars honour tool_choice required
// (no free text before the call) and parallel_tool_calls false (one call block).

#include "engine/llama_grammar.h"

#include <gtest/gtest.h>

#include <string>

namespace hearth::engine {
namespace {

const std::string HERMES =
    "root ::= \"<|im_start|>assistant\\n\" space until-161? tool-calls\n"
    "space ::= | \" \"\n"
    "tool-calls ::= (tool-call space)+\n"
    "until-161 ::= | [^<] until-161\n";

TEST(TightenToolGrammar, DropsFreeTextBeforeTheCall) {
    const std::string out = tighten_tool_grammar(HERMES, true);
    EXPECT_NE(out.find("root ::= \"<|im_start|>assistant\\n\" space tool-calls\n"), std::string::npos) << out;
    EXPECT_NE(out.find("tool-calls ::= (tool-call space)+\n"), std::string::npos) << out;
    // The now unused rule stays: GBNF allows it, and other rules may still use it.
    EXPECT_NE(out.find("until-161 ::="), std::string::npos);
}

TEST(TightenToolGrammar, OneCallBlockWithoutParallelCalls) {
    const std::string out = tighten_tool_grammar(HERMES, false);
    EXPECT_NE(out.find("tool-calls ::= tool-call space\n"), std::string::npos) << out;
}

TEST(TightenToolGrammar, RootFirstOrLastAndOtherShapesAreHandled) {
    EXPECT_EQ(tighten_tool_grammar("space ::= \" \"\nroot ::= space until-7? tool-call", false),
              "space ::= \" \"\nroot ::= space tool-call");
    const std::string unrelated = "root ::= json-object\njson-object ::= \"{\" \"}\"\n";
    EXPECT_EQ(tighten_tool_grammar(unrelated, false), unrelated);
    // A rule whose name merely ends in "root" is not the root.
    const std::string other = "not-root ::= until-3? x\nroot ::= x\n";
    EXPECT_EQ(tighten_tool_grammar(other, true), other);
}

TEST(ContradictoryRepetition, FindsAMinimumAboveItsMaximumOutsideLiterals) {
    EXPECT_EQ(contradictory_repetition("root ::= \"\\\"\" char{5,2} \"\\\"\""), "{5,2}");
    EXPECT_EQ(contradictory_repetition("root ::= item{3,3} item{0,} item{2,9} [a-z]{1}"), std::nullopt);
    // The same characters inside a literal, a character class or a comment are text, not a repetition.
    EXPECT_EQ(contradictory_repetition("root ::= \"{5,2}\" [{5,2}] # {5,2}\nx ::= \"\\\"{9,1}\""), std::nullopt);
    EXPECT_EQ(contradictory_repetition("root ::= x{99999999999999999999999,1}"), std::nullopt);  // llama.cpp refuses it
}

TEST(ContradictoryRepetition, RefusedBeforeLlamaCppSeesIt) {
    core::GrammarConstraint grammar;
    grammar.gbnf = "root ::= [a]{5,2}";
    // No vocabulary is needed to refuse it: the parser that would exhaust memory never runs.
    auto sampler = make_grammar_sampler(nullptr, grammar);
    ASSERT_FALSE(sampler);
    EXPECT_EQ(sampler.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(sampler.error().message.find("{5,2}"), std::string::npos) << sampler.error().message;
}

}  // namespace
}  // namespace hearth::engine
