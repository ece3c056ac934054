// Audio decoding through FFmpeg (the real recordings, converted at test time to other containers and codecs,
// stereo and 44.1 kHz) and without it (the WAVE decoder, against FFmpeg), Silero VAD on jfk.wav (the 4 segments
// whisper.cpp's own test expects), and the whisper engine on a generated test-size model: transcripts, refused options,
// cancellation.

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "engine/audio_decoder.h"
#include "engine/backend.h"
#include "engine/wav_decoder.h"
#include "engine/whisper_engine.h"
#include "temp_dir.h"

namespace hearth::engine {
namespace {

std::string shared_models() {
    const char* env = std::getenv("HEARTH_MODELS");
    return env != nullptr && *env != '\0' ? env : HEARTH_TEST_MODELS;
}

const std::string JFK = shared_models() + "/audio/jfk.wav";
const std::string VAD = shared_models() + "/silero-vad/silero-v6.2.0-ggml.bin";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// Best normalized correlation of b against a within +-max_lag samples: codecs may shift the signal a little.
double correlation(const std::vector<float>& a, const std::vector<float>& b, int max_lag) {
    double best = 0;
    for (int lag = -max_lag; lag <= max_lag; lag += 2) {
        double ab = 0, aa = 0, bb = 0;
        for (size_t i = 0; i < a.size(); i += 2) {
            const auto j = static_cast<int64_t>(i) + lag;
            if (j < 0 || j >= static_cast<int64_t>(b.size())) {
                continue;
            }
            ab += a[i] * b[static_cast<size_t>(j)];
            aa += a[i] * a[i];
            bb += b[static_cast<size_t>(j)] * b[static_cast<size_t>(j)];
        }
        best = std::max(best, ab / std::sqrt(aa * bb + 1e-12));
    }
    return best;
}

TEST(AudioDecoder, WavIsSixteenKilohertzMono) {
    auto audio = decode_audio(read_file(JFK), 3600);
    ASSERT_TRUE(audio) << audio.error().message;
    EXPECT_EQ(audio->samples.size(), 176000u);  // 11.0 s
    EXPECT_EQ(audio->source_rate, 16000);
    EXPECT_EQ(audio->source_channels, 1);
    const auto [lo, hi] = std::minmax_element(audio->samples.begin(), audio->samples.end());
    EXPECT_GE(*lo, -1.0f);
    EXPECT_LE(*hi, 1.0f);
}

TEST(AudioDecoder, OtherCodecsGiveTheSameSignal) {
    testing::TempDir dir;
    const auto reference = decode_audio(read_file(JFK), 3600);
    ASSERT_TRUE(reference);
    // Stereo at 44.1 kHz, then each codec: the decoder must mix down and resample as well as decode.
    const std::vector<std::pair<std::string, std::string>> cases = {{"flac", "-ar 44100 -c:a flac"},
                                                                    {"mp3", "-ar 44100 -c:a libmp3lame -b:a 128k"},
                                                                    {"ogg", "-ar 48000 -c:a libopus -b:a 64k"},
                                                                    {"m4a", "-ar 44100 -c:a aac -b:a 128k"},
                                                                    {"webm", "-ar 48000 -c:a libopus -b:a 64k"},
                                                                    {"wav", "-ar 44100 -c:a pcm_s24le"}};
    for (const auto& [ext, codec] : cases) {
        const std::string out = (dir.path() / ("jfk." + ext)).string();
        const std::string command =
            "ffmpeg -nostdin -loglevel error -y -i '" + JFK + "' -ac 2 " + codec + " '" + out + "'";
        ASSERT_EQ(std::system(command.c_str()), 0) << command;
        auto audio = decode_audio(read_file(out), 3600);
        ASSERT_TRUE(audio) << ext << ": " << audio.error().message;
        EXPECT_EQ(audio->source_channels, 2) << ext;
        EXPECT_NEAR(audio->seconds(), 11.0, 0.1) << ext;
        const double r = correlation(reference->samples, audio->samples, 800);
        EXPECT_GT(r, ext == "flac" || ext == "wav" ? 0.99 : 0.9) << ext;
    }
}

TEST(AudioDecoder, RefusesWhatIsNotAudio) {
    const auto refused = [](const std::string& bytes, ErrorCode code, const std::string& why) {
        auto audio = decode_audio(bytes, 3600);
        ASSERT_FALSE(audio) << why;
        EXPECT_EQ(audio.error().code, code) << why << ": " << audio.error().message;
    };
    refused("", ErrorCode::INVALID_ARGUMENT, "empty");
    refused("just some text, not audio at all", ErrorCode::INVALID_ARGUMENT, "text");
    refused(std::string(4096, '\0'), ErrorCode::INVALID_ARGUMENT, "zeros");
    const std::string wav = read_file(JFK);
    refused(wav.substr(0, 44), ErrorCode::INVALID_ARGUMENT, "header only");
    auto too_long = decode_audio(wav, 5.0);
    ASSERT_FALSE(too_long);
    EXPECT_EQ(too_long.error().code, ErrorCode::PAYLOAD_TOO_LARGE);
    auto truncated = decode_audio(wav.substr(0, wav.size() / 2), 3600);  // a cut upload decodes what is there
    ASSERT_TRUE(truncated);
    EXPECT_NEAR(truncated->seconds(), 5.5, 0.1);
}

TEST(SpeechVad, JfkHasFourSpeechSegments) {
    BackendGuard backends;
    auto audio = decode_audio(read_file(JFK), 3600);
    ASSERT_TRUE(audio);
    auto spans = detect_speech(VAD, audio->samples, 2);
    ASSERT_TRUE(spans) << spans.error().message;
    const std::vector<SpeechSpan> expected = {{0.32, 2.27}, {3.27, 4.41}, {5.38, 7.68}, {8.16, 10.62}};
    ASSERT_EQ(spans->size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_NEAR((*spans)[i].start, expected[i].start, 0.05) << i;
        EXPECT_NEAR((*spans)[i].end, expected[i].end, 0.05) << i;
    }
    EXPECT_FALSE(detect_speech("/nonexistent/vad.bin", audio->samples, 1));
}

class WhisperEngineTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        model_ = (std::filesystem::temp_directory_path() / "hearth-speech-test-tiny-whisper.bin").string();
        const std::string command =
            std::string(HEARTH_MKMODEL) + " --preset tiny-whisper --seed 3 -o '" + model_ + "' > /dev/null";
        ASSERT_EQ(std::system(command.c_str()), 0);
    }
    static void TearDownTestSuite() { std::filesystem::remove(model_); }
    BackendGuard backends_;
    static inline std::string model_;
};

TEST_F(WhisperEngineTest, TranscribesRefusesAndCancels) {
    auto engine = WhisperEngine::load({model_, VAD, 2, false});
    ASSERT_TRUE(engine) << engine.error().message;
    auto session = (*engine)->make_session();
    ASSERT_TRUE(session);
    auto audio = decode_audio(read_file(JFK), 3600);
    ASSERT_TRUE(audio);
    audio->samples.resize(3 * 16000);  // random weights decode slowly (temperature fallbacks): keep it short
    core::TranscriptionOptions options;
    options.language = "en";
    auto t = (*session)->transcribe(audio->samples, options, nullptr);
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_DOUBLE_EQ(t->duration, 3.0);
    EXPECT_EQ(t->language, "english");
    for (const auto& segment : t->segments) {
        EXPECT_FALSE(segment.tokens.empty());
        EXPECT_LE(segment.avg_logprob, 0.0);
    }
    options.vad = true;
    EXPECT_TRUE((*session)->transcribe(audio->samples, options, nullptr));

    core::TranscriptionOptions bad;
    bad.language = "klingon";
    EXPECT_EQ((*session)->transcribe(audio->samples, bad, nullptr).error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ((*session)->transcribe({}, {}, nullptr).error().code, ErrorCode::INVALID_ARGUMENT);
    auto no_vad = WhisperEngine::load({model_, "", 1, false});
    ASSERT_TRUE(no_vad);
    core::TranscriptionOptions wants_vad;
    wants_vad.vad = true;
    EXPECT_EQ((*(*no_vad)->make_session())->transcribe(audio->samples, wants_vad, nullptr).error().code,
              ErrorCode::INVALID_ARGUMENT);
    std::atomic<bool> stop{true};
    EXPECT_EQ((*session)->transcribe(audio->samples, options, &stop).error().code, ErrorCode::CANCELLED);
    EXPECT_FALSE(WhisperEngine::load({JFK, "", 1, false}));  // not a model
}

// The FFmpeg-free WAVE decoder (HEARTH_FFMPEG=OFF builds) against FFmpeg's decoding of the same files: jfk.wav
// converted by the ffmpeg tool to every sample layout it reads, then files built by hand for the edges (odd
// chunks, streamed sizes) and for what it must refuse.

std::string le(uint32_t v, int bytes) {
    std::string out;
    for (int i = 0; i < bytes; ++i) {
        out += static_cast<char>((v >> (8 * i)) & 0xFF);
    }
    return out;
}

// A WAVE file: fmt (tag, channels, rate, bits), an optional chunk before it, then data.
std::string wav(uint16_t tag, int channels, int rate, int bits, const std::string& data,
                const std::string& before = "") {
    const int block = channels * bits / 8;
    const std::string fmt = le(tag, 2) + le(static_cast<uint32_t>(channels), 2) + le(static_cast<uint32_t>(rate), 4) +
                            le(static_cast<uint32_t>(rate * block), 4) + le(static_cast<uint32_t>(block), 2) +
                            le(static_cast<uint32_t>(bits), 2);
    const std::string body =
        "WAVE" + before + "fmt " + le(16, 4) + fmt + "data" + le(static_cast<uint32_t>(data.size()), 4) + data;
    return "RIFF" + le(static_cast<uint32_t>(body.size()), 4) + body;
}

double max_difference(const std::vector<float>& a, const std::vector<float>& b) {
    double worst = a.size() == b.size() ? 0 : 1e9;
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
        worst = std::max(worst, static_cast<double>(std::fabs(a[i] - b[i])));
    }
    return worst;
}

TEST(WavDecoder, EveryPcmLayoutDecodesAsFFmpegDoes) {
    testing::TempDir dir;
    const auto reference = decode_audio(read_file(JFK), 3600);
    ASSERT_TRUE(reference) << reference.error().message;
    // Three channels make ffmpeg write WAVE_FORMAT_EXTENSIBLE.
    const std::vector<std::pair<std::string, std::string>> exact = {
        {"s16", "-c:a pcm_s16le"},          {"u8", "-c:a pcm_u8"},          {"s24", "-c:a pcm_s24le"},
        {"s32", "-c:a pcm_s32le"},          {"f32", "-c:a pcm_f32le"},      {"f64", "-c:a pcm_f64le"},
        {"stereo", "-ac 2 -c:a pcm_s16le"}, {"ext", "-ac 3 -c:a pcm_s16le"}};
    for (const auto& [name, codec] : exact) {
        const std::string out = (dir.path() / (name + ".wav")).string();
        const std::string command = "ffmpeg -nostdin -loglevel error -y -i '" + JFK + "' " + codec + " '" + out + "'";
        ASSERT_EQ(std::system(command.c_str()), 0) << command;
        const std::string bytes = read_file(out);
        const auto ours = decode_wav(bytes, 3600);
        const auto theirs = decode_audio(bytes, 3600);
        ASSERT_TRUE(ours) << name << ": " << ours.error().message;
        ASSERT_TRUE(theirs) << name;
        EXPECT_EQ(ours->source_rate, 16000) << name;
        EXPECT_EQ(ours->source_channels, theirs->source_channels) << name;
        if (ours->source_channels == 1) {
            EXPECT_LT(max_difference(ours->samples, theirs->samples), name == "u8" ? 1e-2 : 1e-4) << name;
        } else {  // channels are averaged (as whisper.cpp's reader does); FFmpeg's downmix scales otherwise
            EXPECT_GT(correlation(ours->samples, reference->samples, 0), 0.999) << name;
        }
    }
    // Other rates: linear interpolation, close to FFmpeg's resampler but not equal.
    for (const int rate : {8000, 44100, 48000}) {
        const std::string out = (dir.path() / ("r" + std::to_string(rate) + ".wav")).string();
        const std::string command =
            "ffmpeg -nostdin -loglevel error -y -i '" + JFK + "' -ar " + std::to_string(rate) + " '" + out + "'";
        ASSERT_EQ(std::system(command.c_str()), 0) << command;
        const auto ours = decode_wav(read_file(out), 3600);
        ASSERT_TRUE(ours) << rate << ": " << ours.error().message;
        EXPECT_EQ(ours->source_rate, rate);
        EXPECT_NEAR(ours->seconds(), 11.0, 0.01) << rate;
        EXPECT_GT(correlation(ours->samples, reference->samples, 0), rate == 8000 ? 0.9 : 0.98) << rate;
    }
}

TEST(WavDecoder, ChunksAndSizesAsWritersProduceThem) {
    // 16-bit samples 0, 16384, -32768 after an odd-sized LIST chunk (padded to an even size).
    const std::string samples = le(0, 2) + le(16384, 2) + le(0x8000, 2);
    auto audio = decode_wav(wav(1, 1, 16000, 16, samples, "LIST" + le(3, 4) + "abc" + std::string(1, '\0')), 60);
    ASSERT_TRUE(audio) << audio.error().message;
    EXPECT_EQ(audio->samples, (std::vector<float>{0.0f, 0.5f, -1.0f}));
    // A streamed file declares more data than it holds: what is there is decoded.
    std::string streamed = wav(1, 1, 16000, 16, samples);
    streamed.replace(40, 4, le(0xFFFFFFFF, 4));
    audio = decode_wav(streamed, 60);
    ASSERT_TRUE(audio) << audio.error().message;
    EXPECT_EQ(audio->samples.size(), 3u);
    // Stereo frames are averaged; float samples out of range are clipped, NaN is silence.
    float f[4] = {1.0f, 0.0f, 3.0f, std::nanf("")};
    audio = decode_wav(wav(3, 2, 16000, 32, std::string(reinterpret_cast<const char*>(f), sizeof f)), 60);
    ASSERT_TRUE(audio) << audio.error().message;
    EXPECT_EQ(audio->samples, (std::vector<float>{0.5f, 0.5f}));
    EXPECT_EQ(audio->source_channels, 2);
}

TEST(WavDecoder, RefusesWhatItCannotRead) {
    const auto refused = [](const std::string& bytes, ErrorCode code, const std::string& why, double max_s = 60) {
        auto audio = decode_wav(bytes, max_s);
        ASSERT_FALSE(audio) << why;
        EXPECT_EQ(audio.error().code, code) << why << ": " << audio.error().message;
    };
    const std::string one_second(32000, '\0');
    refused("", ErrorCode::INVALID_ARGUMENT, "empty");
    refused("ID3\x03 an mp3 file", ErrorCode::INVALID_ARGUMENT, "not RIFF");
    refused("RIFF" + le(4, 4) + "WAVE", ErrorCode::INVALID_ARGUMENT, "no fmt chunk");
    refused(wav(1, 1, 16000, 12, one_second), ErrorCode::INVALID_ARGUMENT, "12-bit");
    refused(wav(2, 1, 16000, 16, one_second), ErrorCode::INVALID_ARGUMENT, "ADPCM");
    refused(wav(1, 0, 16000, 16, one_second), ErrorCode::INVALID_ARGUMENT, "no channels");
    refused(wav(1, 1, 10, 16, one_second), ErrorCode::INVALID_ARGUMENT, "10 Hz");
    refused(wav(1, 1, 16000, 16, ""), ErrorCode::INVALID_ARGUMENT, "no samples");
    refused(wav(1, 1, 16000, 16, one_second), ErrorCode::PAYLOAD_TOO_LARGE, "over the limit", 0.5);
    const std::string short_fmt = "RIFF" + le(16, 4) + "WAVEfmt " + le(4, 4) + le(1, 4);
    refused(short_fmt, ErrorCode::INVALID_ARGUMENT, "short fmt chunk");
    EXPECT_TRUE(decode_wav(wav(1, 1, 16000, 16, one_second), 1.0));  // exactly at the limit
}

}  // namespace
}  // namespace hearth::engine
