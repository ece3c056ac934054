#include "util/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace hearth {
namespace {

Result<int> parse_positive(int v) {
    if (v <= 0) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "must be positive", "n");
    }
    return v;
}

TEST(Result, HoldsValue) {
    auto r = parse_positive(3);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(static_cast<bool>(r));
    EXPECT_EQ(*r, 3);
}

TEST(Result, HoldsErrorWithParam) {
    auto r = parse_positive(-1);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(r.error().message, "must be positive");
    EXPECT_EQ(r.error().param, "n");
}

TEST(Result, MovesOutMoveOnlyValues) {
    Result<std::unique_ptr<int>> r(std::make_unique<int>(7));
    std::unique_ptr<int> p = std::move(r).value();
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(*p, 7);
}

TEST(Result, VoidSuccessAndFailure) {
    Result<void> ok;
    EXPECT_TRUE(ok.has_value());
    Result<void> bad = make_error(ErrorCode::TIMEOUT, "slow");
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code, ErrorCode::TIMEOUT);
}

}  // namespace
}  // namespace hearth
