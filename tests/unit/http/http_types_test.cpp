#include "http/http_types.h"

#include <gtest/gtest.h>

namespace hearth::http {
namespace {

TEST(HttpRequest, HeaderLookupIgnoresCase) {
    HttpRequest req;
    req.headers = {{"Content-Type", "application/json"}, {"X-Thing", "1"}, {"x-thing", "2"}};
    EXPECT_EQ(req.header("content-type"), "application/json");
    EXPECT_EQ(req.header("X-THING"), "1");
    EXPECT_FALSE(req.header("authorization").has_value());
}

}  // namespace
}  // namespace hearth::http
