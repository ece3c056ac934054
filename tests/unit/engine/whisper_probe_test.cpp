// Probing synthetic whisper.cpp ggml files: header, mel filters, vocabulary, tensor records.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "engine/model_probe.h"
#include "temp_dir.h"

namespace hearth::engine {
namespace {

using hearth::testing::TempDir;

class Bytes {
public:
    Bytes& i32(int32_t v) {
        char raw[4];
        std::memcpy(raw, &v, 4);
        data_.append(raw, 4);
        return *this;
    }
    Bytes& str(const std::string& s) {
        data_ += s;
        return *this;
    }
    Bytes& zeros(size_t n) {
        data_.append(n, '\0');
        return *this;
    }
    const std::string& data() const { return data_; }

private:
    std::string data_;
};

constexpr int32_t MAGIC = 0x67676d6c;
constexpr int32_t TYPE_F32 = 0;

// hparams: n_vocab, audio ctx/state/head/layer, text ctx/state/head/layer, n_mels, ftype; filters 2x2; vocab.
Bytes whisper_header(int32_t n_vocab = 3) {
    Bytes b;
    b.i32(MAGIC).i32(n_vocab).i32(1500).i32(64).i32(2).i32(2).i32(448).i32(64).i32(2).i32(2).i32(80).i32(1);
    b.i32(2).i32(2).zeros(4 * sizeof(float));
    b.i32(n_vocab);
    for (int32_t i = 0; i < n_vocab; ++i) {
        b.i32(1).str(std::string(1, static_cast<char>('a' + i)));
    }
    return b;
}

Bytes& add_tensor(Bytes& b, const std::string& name, int32_t type, int32_t ne0, int32_t ne1, size_t data_bytes) {
    b.i32(2).i32(static_cast<int32_t>(name.size())).i32(type).i32(ne0).i32(ne1).str(name).zeros(data_bytes);
    return b;
}

void expect_rejected(const std::string& path, const std::string& phrase) {
    auto info = probe_model_file(path);
    ASSERT_FALSE(info.has_value()) << path << " was accepted";
    EXPECT_NE(info.error().message.find(phrase), std::string::npos) << info.error().message;
}

TEST(WhisperProbe, ModelWithTensorsIsServable) {
    TempDir dir;
    Bytes b = whisper_header(60000);
    add_tensor(b, "encoder.conv1.weight", TYPE_F32, 4, 2, 32);
    add_tensor(b, "decoder.token_embedding.weight", 1 /* F16 */, 8, 4, 64);
    auto info = probe_model_file(dir.write("w.bin", b.data()));
    ASSERT_TRUE(info.has_value()) << info.error().message;
    EXPECT_EQ(info->kind, core::ModelKind::WHISPER);
    EXPECT_EQ(info->format, "ggml");
    EXPECT_EQ(info->architecture, "whisper");
    EXPECT_EQ(info->quantization, "F16");  // the type holding the most bytes
    EXPECT_EQ(info->context_length, 448u);
}

TEST(WhisperProbe, HeaderWithoutTensorsIsWeightless) {
    TempDir dir;
    expect_rejected(dir.write("vocab.bin", whisper_header(60000).data()), "weightless whisper header");
}

TEST(WhisperProbe, TruncatedOrCorruptTensorsAreReported) {
    TempDir dir;
    Bytes cut = whisper_header(60000);
    add_tensor(cut, "encoder.conv1.weight", TYPE_F32, 4, 2, 31);  // one byte short
    expect_rejected(dir.write("cut.bin", cut.data()), "truncated");
    Bytes bad_type = whisper_header(60000);
    add_tensor(bad_type, "x", 9999, 4, 2, 32);
    expect_rejected(dir.write("type.bin", bad_type.data()), "corrupt");
    Bytes bad_shape = whisper_header(60000);
    add_tensor(bad_shape, "x", TYPE_F32, -4, 2, 32);
    expect_rejected(dir.write("shape.bin", bad_shape.data()), "corrupt");
    Bytes huge_vocab;
    huge_vocab.i32(MAGIC).i32(60000).i32(1500).i32(64).i32(2).i32(2).i32(448).i32(64).i32(2).i32(2).i32(80).i32(1);
    huge_vocab.i32(2).i32(2).zeros(16).i32(1000000);  // a million tokens promised, none present
    expect_rejected(dir.write("vocab-cut.bin", huge_vocab.data()), "truncated");
}

TEST(WhisperProbe, OtherGgmlModelsAreNamed) {
    TempDir dir;
    Bytes vad;
    vad.i32(MAGIC).i32(10).str("silero-16k").zeros(64);
    expect_rejected(dir.write("vad.bin", vad.data()), "voice-activity-detection model (silero-16k)");
    Bytes other;
    other.i32(MAGIC).i32(5).str("other").zeros(8);
    expect_rejected(dir.write("other.bin", other.data()), "unsupported ggml model 'other'");
    Bytes short_file;
    short_file.i32(MAGIC).i32(60000).i32(1500);
    expect_rejected(dir.write("short.bin", short_file.data()), "truncated");
}

}  // namespace
}  // namespace hearth::engine
