#include <gtest/gtest.h>

#include "util/log.h"
#include "util/utf8.h"

namespace hearth {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
    EXPECT_TRUE(utf8::is_valid(""));
    EXPECT_TRUE(utf8::is_valid("plain ascii"));
    EXPECT_TRUE(utf8::is_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
}

TEST(Utf8Test, RefusesMalformedText) {
    EXPECT_FALSE(utf8::is_valid("\xff"));
    EXPECT_FALSE(utf8::is_valid("\xc3"));              // truncated
    EXPECT_FALSE(utf8::is_valid("\xc0\xaf"));          // overlong '/'
    EXPECT_FALSE(utf8::is_valid("\xed\xa0\x80"));      // surrogate
    EXPECT_FALSE(utf8::is_valid("\xf4\x90\x80\x80"));  // beyond U+10FFFF
    EXPECT_FALSE(utf8::is_valid("a\x80z"));            // lone continuation byte
}

TEST(LogTest, JsonEscapeNeverPassesRawBytesThrough) {
    EXPECT_EQ(log::json_escape("a\"b\\c\n\x01"), "a\\\"b\\\\c\\u000a\\u0001");
    EXPECT_EQ(log::json_escape("caf\xc3\xa9"), "caf\xc3\xa9");
    EXPECT_EQ(log::json_escape("bad\xff"), "bad\\ufffd");
}

}  // namespace
}  // namespace hearth
