#include "util/error_code.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace hearth {
namespace {

TEST(ErrorCode, EveryCodeHasADistinctName) {
    const ErrorCode all[] = {ErrorCode::INVALID_ARGUMENT,  ErrorCode::CONTEXT_LENGTH_EXCEEDED,
                             ErrorCode::UNAUTHENTICATED,   ErrorCode::NOT_FOUND,
                             ErrorCode::MODEL_NOT_FOUND,   ErrorCode::METHOD_NOT_ALLOWED,
                             ErrorCode::PAYLOAD_TOO_LARGE, ErrorCode::HEADERS_TOO_LARGE,
                             ErrorCode::OVERLOADED,        ErrorCode::UNSUPPORTED,
                             ErrorCode::MODEL_NOT_READY,   ErrorCode::OUT_OF_MEMORY,
                             ErrorCode::CANCELLED,         ErrorCode::TIMEOUT,
                             ErrorCode::INTERNAL};
    std::set<std::string> names;
    for (ErrorCode code : all) {
        names.insert(std::string(to_string(code)));
    }
    EXPECT_EQ(names.size(), std::size(all));
    EXPECT_EQ(to_string(ErrorCode::CONTEXT_LENGTH_EXCEEDED), "context_length_exceeded");
}

}  // namespace
}  // namespace hearth
