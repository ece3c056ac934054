// Probing synthetic files: every kind of model, and every way a file can fail to be one.

#include "engine/model_probe.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/c_handles.h"
#include "temp_dir.h"

namespace hearth::engine {
namespace {

using core::ModelKind;
using hearth::testing::TempDir;

struct GgufSpec {
    std::string arch = "llama";
    bool with_arch = true;
    int n_tensors = 1;
    std::vector<std::pair<std::string, uint32_t>> u32s;
    std::vector<std::pair<std::string, int32_t>> i32s;
    std::vector<std::pair<std::string, std::string>> strings;
};

std::string write_gguf(const TempDir& dir, const std::string& name, const GgufSpec& spec) {
    gguf_context_ptr gguf(gguf_init_empty());
    if (spec.with_arch) {
        gguf_set_val_str(gguf.get(), "general.architecture", spec.arch.c_str());
    }
    for (const auto& [key, value] : spec.u32s) {
        gguf_set_val_u32(gguf.get(), key.c_str(), value);
    }
    for (const auto& [key, value] : spec.i32s) {
        gguf_set_val_i32(gguf.get(), key.c_str(), value);
    }
    for (const auto& [key, value] : spec.strings) {
        gguf_set_val_str(gguf.get(), key.c_str(), value.c_str());
    }
    ggml_init_params params{1 << 20, nullptr, false};
    ggml_context_ptr ctx(ggml_init(params));
    for (int i = 0; i < spec.n_tensors; ++i) {
        ggml_tensor* t = ggml_new_tensor_2d(ctx.get(), GGML_TYPE_F32, 32, 4);
        ggml_set_name(t, ("blk." + std::to_string(i) + ".weight").c_str());
        gguf_add_tensor(gguf.get(), t);
    }
    const std::string path = (dir.path() / name).string();
    EXPECT_TRUE(gguf_write_to_file(gguf.get(), path.c_str(), false));
    return path;
}

void expect_rejected(const std::string& path, const std::string& phrase) {
    auto info = probe_model_file(path);
    ASSERT_FALSE(info.has_value()) << path << " was accepted";
    EXPECT_EQ(info.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(info.error().message.find(phrase), std::string::npos) << info.error().message;
}

TEST(GgufProbe, DecoderIsLlm) {
    TempDir dir;
    GgufSpec spec;
    spec.u32s = {{"llama.context_length", 4096}, {"llama.embedding_length", 32}};
    spec.strings = {{"tokenizer.chat_template", "{{ messages }}"}};
    auto info = probe_model_file(write_gguf(dir, "m.gguf", spec));
    ASSERT_TRUE(info.has_value()) << info.error().message;
    EXPECT_EQ(info->kind, ModelKind::LLM);
    EXPECT_EQ(info->format, "gguf");
    EXPECT_EQ(info->architecture, "llama");
    EXPECT_EQ(info->quantization, "F32");
    EXPECT_EQ(info->context_length, 4096u);
    EXPECT_EQ(info->embedding_length, 32u);
    EXPECT_TRUE(info->has_chat_template);
}

TEST(GgufProbe, EncoderAndPoolingDecideTheKind) {
    TempDir dir;
    GgufSpec bert;
    bert.arch = "bert";
    EXPECT_EQ(probe_model_file(write_gguf(dir, "bert.gguf", bert))->kind, ModelKind::EMBEDDING);
    GgufSpec rank = bert;
    rank.u32s = {{"bert.pooling_type", 4}};
    EXPECT_EQ(probe_model_file(write_gguf(dir, "rank.gguf", rank))->kind, ModelKind::RERANK);
    GgufSpec pooled_decoder;  // e.g. a Qwen3 embedding model: decoder arch with last-token pooling
    pooled_decoder.arch = "qwen3";
    pooled_decoder.i32s = {{"qwen3.pooling_type", 3}};
    EXPECT_EQ(probe_model_file(write_gguf(dir, "q3e.gguf", pooled_decoder))->kind, ModelKind::EMBEDDING);
}

TEST(GgufProbe, WrongValueTypesAreIgnoredNotAsserted) {
    TempDir dir;
    GgufSpec spec;
    spec.strings = {{"llama.context_length", "lots"}, {"llama.pooling_type", "rank"}};
    auto info = probe_model_file(write_gguf(dir, "odd.gguf", spec));
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->context_length, 0u);
    EXPECT_EQ(info->kind, ModelKind::LLM);
}

TEST(GgufProbe, RejectsWhatCannotBeServed) {
    TempDir dir;
    GgufSpec no_arch;
    no_arch.with_arch = false;
    expect_rejected(write_gguf(dir, "noarch.gguf", no_arch), "without general.architecture");
    GgufSpec clip;
    clip.arch = "clip";
    expect_rejected(write_gguf(dir, "mmproj.gguf", clip), "multimodal projector");
    GgufSpec vocab_only;
    vocab_only.n_tensors = 0;
    expect_rejected(write_gguf(dir, "vocab.gguf", vocab_only), "no tensors");
}

TEST(GgufProbe, TruncatedTensorDataIsReported) {
    TempDir dir;
    GgufSpec spec;
    spec.n_tensors = 4;
    const std::string path = write_gguf(dir, "t.gguf", spec);
    std::filesystem::resize_file(path, std::filesystem::file_size(path) - 100);
    expect_rejected(path, "truncated");
}

TEST(GgufProbe, DamagedHeaderIsCorrupt) {
    TempDir dir;
    expect_rejected(dir.write("bad.gguf", std::string("GGUF\x03\x00\x00\x00", 8) + std::string(40, '\xff')),
                    "corrupt GGUF");
    GgufSpec spec;
    const std::string path = write_gguf(dir, "cut.gguf", spec);
    std::filesystem::resize_file(path, 30);  // inside the key/value section
    expect_rejected(path, "corrupt GGUF");
}

TEST(Probe, NonModelsAreRejectedWithAReason) {
    TempDir dir;
    expect_rejected(dir.write("empty.bin", ""), "too short");
    expect_rejected(dir.write("two.bin", "ab"), "too short");
    expect_rejected(dir.write("text.gguf", "hello, this is not a model at all"), "unrecognized format");
    std::filesystem::create_directories(dir.path() / "sub.gguf");
    expect_rejected((dir.path() / "sub.gguf").string(), "not a regular file");
    auto missing = probe_model_file((dir.path() / "nope.gguf").string());
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, ErrorCode::NOT_FOUND);
}

}  // namespace
}  // namespace hearth::engine
