#include "sched/text_output.h"

#include <gtest/gtest.h>

namespace hearth::sched {
namespace {

TEST(TextOutput, PassesTextThroughWithoutStops) {
    TextOutput out;
    EXPECT_EQ(out.push("Hello").text, "Hello");
    EXPECT_EQ(out.push(" world").text, " world");
    EXPECT_EQ(out.flush(), "");
}

TEST(TextOutput, HoldsBackAPossibleStopAndReleasesIt) {
    TextOutput out({"END"});
    EXPECT_EQ(out.push("abc E").text, "abc ");  // "E" may start "END"
    EXPECT_EQ(out.push("x").text, "Ex");        // it did not
    auto step = out.push("yyEN");
    EXPECT_EQ(step.text, "yy");
    step = out.push("D and more");
    EXPECT_TRUE(step.stopped);
    EXPECT_EQ(step.text, "");
}

TEST(TextOutput, EarliestOfSeveralStopsWins) {
    TextOutput out({"cd", "b"});
    EXPECT_EQ(out.matched_stop(), "");
    auto step = out.push("abcd");
    EXPECT_TRUE(step.stopped);
    EXPECT_EQ(step.text, "a");
    EXPECT_EQ(out.matched_stop(), "b");  // earliest, though listed second
    out.flush();
    EXPECT_EQ(out.matched_stop(), "b");
    TextOutput tie({"xy", "x"});
    tie.push("axy");
    EXPECT_EQ(tie.matched_stop(), "xy");  // two at one place: the first listed
}

TEST(TextOutput, NeverSplitsAUtf8Sequence) {
    TextOutput out;
    const std::string check = "\xe2\x9c\x93";  // U+2713
    EXPECT_EQ(out.push(check.substr(0, 1)).text, "");
    EXPECT_EQ(out.push(check.substr(1, 1)).text, "");
    EXPECT_EQ(out.push(check.substr(2) + "!").text, check + "!");
    EXPECT_EQ(out.push("\xf0\x9f").text, "");
    EXPECT_EQ(out.flush(), "\xEF\xBF\xBD");  // an incomplete tail at the end becomes U+FFFD
}

TEST(TextOutput, IncompleteTailLength) {
    EXPECT_EQ(incomplete_utf8_tail("abc"), 0u);
    EXPECT_EQ(incomplete_utf8_tail("a\xc3"), 1u);
    EXPECT_EQ(incomplete_utf8_tail("\xc3\xa9"), 0u);
    EXPECT_EQ(incomplete_utf8_tail("\xe2\x9c"), 2u);
    EXPECT_EQ(incomplete_utf8_tail("\xf0\x9f\x98"), 3u);
    EXPECT_EQ(incomplete_utf8_tail("\xf0\x9f\x98\x80"), 0u);
}

}  // namespace
}  // namespace hearth::sched
