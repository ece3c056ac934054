#include "http/http_types.h"

#include <gtest/gtest.h>

namespace hearth::http {
namespace {

TEST(PercentDecode, DecodesAndRejectsMalformed) {
    EXPECT_EQ(percent_decode("a%20b%2Fc"), "a b/c");
    EXPECT_EQ(percent_decode("plain"), "plain");
    EXPECT_EQ(percent_decode("%e2%9C%93"), "\xe2\x9c\x93");
    EXPECT_FALSE(percent_decode("%").has_value());
    EXPECT_FALSE(percent_decode("ab%4").has_value());
    EXPECT_FALSE(percent_decode("%GG").has_value());
}

TEST(HttpRequest, HeaderLookupIgnoresCase) {
    HttpRequest req;
    req.headers = {{"Content-Type", "application/json"}, {"X-Thing", "1"}, {"x-thing", "2"}};
    EXPECT_EQ(req.header("content-type"), "application/json");
    EXPECT_EQ(req.header("X-THING"), "1");
    EXPECT_FALSE(req.header("authorization").has_value());
}

}  // namespace
}  // namespace hearth::http
