#include "core/model_tag.h"

#include <gtest/gtest.h>

namespace hearth::core {
namespace {

TEST(ModelTag, QuantizationInTheFileName) {
    EXPECT_EQ(model_tag_of("Qwen2.5-0.5B-Instruct-Q4_K_M.gguf"), "Q4_K_M");
    EXPECT_EQ(model_tag_of("dir/sub/model-q8_0.gguf"), "Q8_0");
    EXPECT_EQ(model_tag_of("tiny.f16.gguf"), "F16");
    EXPECT_EQ(model_tag_of("Llama-3-8B.BF16.gguf"), "BF16");
    EXPECT_EQ(model_tag_of("phi-IQ2_XXS.gguf"), "IQ2_XXS");
    EXPECT_EQ(model_tag_of("model-fp16.gguf"), "F16");
    EXPECT_EQ(model_tag_of("gpt-oss-20b-MXFP4.gguf"), "MXFP4");
    // The split suffix is no part of the tag; the last type name wins.
    EXPECT_EQ(model_tag_of("Big-Q6_K-00002-of-00003.gguf"), "Q6_K");
    EXPECT_EQ(model_tag_of("Q8_0-distilled-Q4_0.gguf"), "Q4_0");
}

TEST(ModelTag, NamesWithoutOne) {
    EXPECT_EQ(model_tag_of("stories260K.gguf"), "");
    EXPECT_EQ(model_tag_of("Qwen2-VL-7B.gguf"), "");  // "7B" and "VL" are no types
    EXPECT_EQ(model_tag_of("model-Q.gguf"), "");
    EXPECT_EQ(model_tag_of("model-Q4_TOOLONG.gguf"), "");
    EXPECT_EQ(model_tag_of(""), "");
}

TEST(ModelTag, WhisperFilesAreNamedBetweenGgmlAndBin) {
    EXPECT_EQ(model_tag_of("ggml-base.en.bin"), "base.en");
    EXPECT_EQ(model_tag_of("models/ggml-tiny-q5_1.bin"), "tiny-q5_1");
    EXPECT_EQ(model_tag_of("ggml-.bin"), "");
}

TEST(ModelTag, SplitParts) {
    const auto part = split_part_of("dir/Model-Q4_K_M-00002-of-00003.gguf");
    ASSERT_TRUE(part.has_value());
    EXPECT_EQ(part->index, 2);
    EXPECT_EQ(part->count, 3);
    EXPECT_FALSE(split_part_of("Model-Q4_K_M.gguf").has_value());
    EXPECT_FALSE(split_part_of("Model-00004-of-00003.gguf").has_value());  // past the count
    EXPECT_FALSE(split_part_of("Model-00000-of-00003.gguf").has_value());
    EXPECT_FALSE(split_part_of("Model-0001-of-00003.gguf").has_value());  // four digits
    EXPECT_FALSE(split_part_of("Model-00001-of-00003.bin").has_value());
}

TEST(ModelTag, Bits) {
    EXPECT_EQ(tag_bits("Q4_K_M"), 4);
    EXPECT_EQ(tag_bits("q8_0"), 8);
    EXPECT_EQ(tag_bits("IQ2_XS"), 2);
    EXPECT_EQ(tag_bits("IQ4_NL"), 4);
    EXPECT_EQ(tag_bits("F16"), 16);
    EXPECT_EQ(tag_bits("BF16"), 16);
    EXPECT_EQ(tag_bits("F32"), 32);
    EXPECT_EQ(tag_bits("base.en"), 0);
    EXPECT_EQ(tag_bits(""), 0);
}

}  // namespace
}  // namespace hearth::core
