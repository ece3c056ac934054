// The probe and the catalog on the real files in shared/models and the pinned llama.cpp tree.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/model_probe.h"
#include "registry/model_catalog.h"

namespace hearth {
namespace {

// Tests find models through HEARTH_MODELS, defaulting to the directory the build was configured with.
std::string models_dir() {
    const char* env = std::getenv("HEARTH_MODELS");
    return env != nullptr && *env != '\0' ? env : HEARTH_TEST_MODELS;
}

const std::string MODELS = models_dir();
const std::string VOCABS = HEARTH_TEST_VOCABS;

void expect_rejected(const std::string& path, const std::string& phrase) {
    auto info = engine::probe_model_file(path);
    ASSERT_FALSE(info.has_value()) << path;
    EXPECT_NE(info.error().message.find(phrase), std::string::npos) << info.error().message;
}

TEST(RealFiles, Stories260K) {
    auto f32 = engine::probe_model_file(MODELS + "/stories260K/stories260K-f32.gguf");
    ASSERT_TRUE(f32.has_value()) << f32.error().message;
    EXPECT_EQ(f32->kind, core::ModelKind::LLM);
    EXPECT_EQ(f32->architecture, "llama");
    EXPECT_EQ(f32->quantization, "F32");
    EXPECT_EQ(f32->context_length, 512u);
    EXPECT_EQ(f32->embedding_length, 64u);
    EXPECT_EQ(f32->block_count, 5u);
    EXPECT_EQ(f32->vocab_size, 512u);  // tokenizer.ggml.tokens
    EXPECT_FALSE(f32->has_chat_template);
    auto q8 = engine::probe_model_file(MODELS + "/stories260K/stories260K-q8_0-chatml.gguf");
    ASSERT_TRUE(q8.has_value());
    EXPECT_EQ(q8->quantization, "Q8_0");
    EXPECT_TRUE(q8->has_chat_template);
}

TEST(RealFiles, UnservableFilesHaveReasons) {
    expect_rejected(MODELS + "/silero-vad/silero-v6.2.0-ggml.bin", "voice-activity-detection model (silero-16k)");
    expect_rejected(MODELS + "/whisper-vocab/for-tests-ggml-tiny.bin", "weightless whisper header");
    expect_rejected(MODELS + "/whisper-vocab/for-tests-ggml-base.bin", "weightless whisper header");
    expect_rejected(MODELS + "/stories260K/llama2c/stories260K.bin", "unrecognized format");
    expect_rejected(VOCABS + "/ggml-vocab-qwen2.gguf", "no tensors");
    expect_rejected(VOCABS + "/ggml-vocab-bert-bge.gguf", "no tensors");
}

TEST(RealFiles, SharedModelsCatalog) {
    const auto scan = registry::scan_models_dir(MODELS);
    ASSERT_TRUE(scan.error.empty());
    std::vector<std::string> ids;
    for (const auto& m : scan.models) {
        ids.push_back(m.id);
    }
    for (const char* id : {"stories260K-f16", "stories260K-f32", "stories260K-q8_0", "stories260K-q8_0-chatml"}) {
        EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << id;
    }
    // The VAD model, the weightless whisper headers and the llama2.c files are reported, not served.
    size_t with_reason = 0;
    for (const auto& file : scan.rejected) {
        with_reason += file.reason.empty() ? 0 : 1;
        EXPECT_EQ(std::find(ids.begin(), ids.end(), "silero-v6.2.0-ggml"), ids.end());
    }
    EXPECT_GE(with_reason, 6u);
}

}  // namespace
}  // namespace hearth
