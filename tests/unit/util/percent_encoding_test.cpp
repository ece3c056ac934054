#include "util/percent_encoding.h"

#include <gtest/gtest.h>

namespace hearth {
namespace {

TEST(PercentDecode, DecodesAndRejectsMalformed) {
    EXPECT_EQ(percent_decode("a%20b%2Fc"), "a b/c");
    EXPECT_EQ(percent_decode("plain"), "plain");
    EXPECT_EQ(percent_decode("%e2%9C%93"), "\xe2\x9c\x93");
    EXPECT_FALSE(percent_decode("%").has_value());
    EXPECT_FALSE(percent_decode("ab%4").has_value());
    EXPECT_FALSE(percent_decode("%GG").has_value());
}

TEST(PercentDecode, AnEncodedNulIsDecodedForTheCallerToJudge) {
    EXPECT_EQ(percent_decode("a%00b"), std::string("a\0b", 3));
}

TEST(PercentEncodePath, KeepsUnreservedAndSlashesAndRoundTrips) {
    EXPECT_EQ(percent_encode_path("sub/Model-Q8_0.gguf"), "sub/Model-Q8_0.gguf");
    EXPECT_EQ(percent_encode_path("a b/c?d#e%"), "a%20b/c%3Fd%23e%25");
    EXPECT_EQ(percent_encode_path("\xC3\xA9"), "%C3%A9");
    const std::string odd = "x y/\x01+~";
    EXPECT_EQ(percent_decode(percent_encode_path(odd)), odd);
}

}  // namespace
}  // namespace hearth
