#include "core/model_kind.h"

#include <gtest/gtest.h>

namespace hearth::core {
namespace {

TEST(ModelKind, NamesRoundTrip) {
    for (ModelKind kind : {ModelKind::LLM, ModelKind::EMBEDDING, ModelKind::RERANK, ModelKind::WHISPER}) {
        auto parsed = parse_model_kind(to_string(kind));
        ASSERT_TRUE(parsed.has_value()) << to_string(kind);
        EXPECT_EQ(*parsed, kind);
    }
}

TEST(ModelKind, UnknownNameIsRejected) {
    EXPECT_FALSE(parse_model_kind("tts-maybe").has_value());
    EXPECT_FALSE(parse_model_kind("").has_value());
    EXPECT_FALSE(parse_model_kind("LLM").has_value());
}

}  // namespace
}  // namespace hearth::core
