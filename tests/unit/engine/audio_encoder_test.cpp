// AudioEncoder against independent decoders: every format, streamed and whole, is decoded back by the
// ffmpeg/ffprobe command-line tools (found on PATH at run time) and by hearth's own decode_audio, and must
// hold a 440 Hz sine of the right length at the right rate. wav and pcm must equal ffmpeg's own float to
// 16-bit conversion of the same floats; streamed and whole output must carry the same audio.

#include "engine/audio_encoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "engine/audio_decoder.h"
#include "engine/audio_test_signal.h"
#include "engine/wav_decoder.h"
#include "temp_dir.h"

namespace hearth::engine {
namespace {

using core::AudioFormat;
using testing::TempDir;

constexpr int RATE = 24000;
constexpr size_t LENGTH = 31250;  // about 1.3 s: not a whole number of any codec's frames (480, 576, 1024, 4608)
constexpr double TONE = 440;
constexpr double AMPLITUDE = 0.5;
// Uneven pieces, an empty one and a single sample among them, as sentences of any length arrive.
constexpr std::array<size_t, 8> CHUNKS{1, 100, 0, 977, 4000, 2500, 13, 7001};

struct Encoded {
    std::string bytes;
    int nonempty_writes = 0;  // write() calls that returned bytes
};

Encoded encode(AudioFormat format, bool streamed, std::span<const float> samples, int rate = RATE) {
    Encoded out;
    auto encoder = AudioEncoder::create(format, rate, streamed);
    if (!encoder) {
        ADD_FAILURE() << "create: " << encoder.error().message;
        return out;
    }
    for (size_t pos = 0, i = 0; pos < samples.size(); ++i) {
        const size_t n = std::min(CHUNKS[i % CHUNKS.size()], samples.size() - pos);
        auto bytes = (*encoder)->write(samples.subspan(pos, n));
        if (!bytes) {
            ADD_FAILURE() << "write: " << bytes.error().message;
            return out;
        }
        out.nonempty_writes += bytes->empty() ? 0 : 1;
        out.bytes += *bytes;
        pos += n;
    }
    auto rest = (*encoder)->finish();
    if (!rest) {
        ADD_FAILURE() << "finish: " << rest.error().message;
        return out;
    }
    out.bytes += *rest;
    return out;
}

// What decoding is expected to give back. Lengths are in decoded samples at decoded_rate, as extra samples
// over the input's length (converted to that rate): codecs without a way to state their priming and
// padding decode longer, never shorter.
struct FormatCase {
    AudioFormat format;
    const char* codec;  // ffprobe's codec_name
    int decoded_rate;
    size_t max_extra_whole;
    size_t max_extra_streamed;
    double min_explained;   // share of the energy the 440 Hz sine explains
    double gain_tolerance;  // of the sine's amplitude, relative
};

// flac, wav, pcm: exact. opus: exact at 48 kHz (Ogg Opus states its pre-skip in the header and the end in
// the last page's granule position). mp3 whole: exact (the Xing/LAME header states libmp3lame's delay and
// padding and ffmpeg trims them); streamed, that header cannot be written (it is filled in at the end), so
// the decoder keeps the 1105-sample delay (576 encoder + 529 decoder) and the padding of the last 576-sample
// frame: under 1105 + 2 * 576. aac in ADTS: nothing states the 1024-sample priming, and the last 1024-sample
// frame is padded: under 2048. libmp3lame gives a pure tone back 5% low at every bitrate (the ffmpeg tool's
// `-c:a libmp3lame` too); the others keep it within 2%, the 16-bit ones within a quantization step.
const std::array<FormatCase, 6> CASES{{
    {AudioFormat::MP3, "mp3", 24000, 0, 1105 + 2 * 576, 0.99, 0.06},
    {AudioFormat::OPUS, "opus", 48000, 0, 0, 0.99, 0.02},
    {AudioFormat::AAC, "aac", 24000, 2048, 2048, 0.99, 0.02},
    {AudioFormat::FLAC, "flac", 24000, 0, 0, 0.9999, 1e-4},
    {AudioFormat::WAV, "pcm_s16le", 24000, 0, 0, 0.9999, 1e-4},
    {AudioFormat::PCM, "pcm_s16le", 24000, 0, 0, 0.9999, 1e-4},
}};

std::string raw_pcm_args() {
    return " -f s16le -sample_rate 24000 -ch_layout mono ";
}

std::map<std::string, std::string> probe(const std::string& ffprobe, const std::string& file, bool raw) {
    std::istringstream lines(
        testing::run_capture(ffprobe + " -v error" + (raw ? raw_pcm_args() : " ") + "-select_streams a:0" +
                             " -show_entries stream=codec_name,sample_rate,channels -of default=nw=1 " + file));
    std::map<std::string, std::string> fields;
    for (std::string line; std::getline(lines, line);) {
        if (const size_t eq = line.find('='); eq != std::string::npos) {
            fields[line.substr(0, eq)] = line.substr(eq + 1);
        }
    }
    return fields;
}

// ffmpeg's decoding at the stream's own rate and channel count, as float.
std::vector<float> ffmpeg_decode(const std::string& ffmpeg, const std::string& file, bool raw) {
    return testing::as_floats(testing::run_capture(
        ffmpeg + " -nostdin -v error" + (raw ? " -f s16le -ar 24000 -ac 1" : "") + " -i " + file + " -f f32le -"));
}

// The sine must be there: its frequency, its amplitude and nearly all the energy, away from the edges
// (codec delay and fades).
void expect_sine(std::span<const float> decoded, int rate, const FormatCase& c) {
    const auto begin = static_cast<size_t>(0.2 * rate);
    const auto end = static_cast<size_t>(1.1 * rate);
    ASSERT_GE(decoded.size(), end);
    const auto middle = decoded.subspan(begin, end - begin);
    EXPECT_NEAR(testing::dominant_frequency(middle, rate), TONE, 1.0);
    const auto fit = testing::fit_sine(middle, TONE, rate);
    EXPECT_NEAR(fit.amplitude, AMPLITUDE, AMPLITUDE * c.gain_tolerance);
    EXPECT_GE(fit.explained, c.min_explained);
    std::cout << "  " << core::to_string(c.format) << " at " << rate << " Hz: amplitude " << fit.amplitude
              << ", explained " << fit.explained << ", " << decoded.size() << " samples\n";
}

class EncoderFormatTest : public ::testing::TestWithParam<std::tuple<size_t, bool>> {};

TEST_P(EncoderFormatTest, DecodesBackToTheSine) {
    const std::string ffmpeg = testing::find_program("ffmpeg");
    const std::string ffprobe = testing::find_program("ffprobe");
    if (ffmpeg.empty() || ffprobe.empty()) {
        GTEST_SKIP() << "ffmpeg and ffprobe are not on PATH (Debian's ffmpeg package)";
    }
    const auto& [index, streamed] = GetParam();
    const FormatCase& c = CASES[index];
    const auto sine = testing::make_sine(TONE, AMPLITUDE, RATE, LENGTH);
    const Encoded encoded = encode(c.format, streamed, sine);
    ASSERT_FALSE(encoded.bytes.empty());
    // Streamed, bytes leave before the end (1.3 s is past every codec's delay); whole, only at the end.
    if (streamed) {
        EXPECT_GT(encoded.nonempty_writes, 0);
    } else {
        EXPECT_EQ(encoded.nonempty_writes, 0);
    }
    const TempDir dir;
    const std::string file = dir.write("audio." + std::string(core::to_string(c.format)), encoded.bytes);
    const bool raw = c.format == AudioFormat::PCM;

    const auto fields = probe(ffprobe, file, raw);
    EXPECT_EQ(fields.count("codec_name") ? fields.at("codec_name") : "", c.codec);
    EXPECT_EQ(fields.count("sample_rate") ? fields.at("sample_rate") : "", std::to_string(c.decoded_rate));
    EXPECT_EQ(fields.count("channels") ? fields.at("channels") : "", "1");

    const auto decoded = ffmpeg_decode(ffmpeg, file, raw);
    const size_t expected = LENGTH * static_cast<size_t>(c.decoded_rate) / RATE;
    const size_t max_extra = streamed ? c.max_extra_streamed : c.max_extra_whole;
    EXPECT_GE(decoded.size(), expected);
    EXPECT_LE(decoded.size(), expected + max_extra);
    expect_sine(decoded, c.decoded_rate, c);

    if (!raw) {  // hearth's decoder probes the container: raw pcm has none
        auto own = decode_audio(encoded.bytes, 60);
        ASSERT_TRUE(own) << own.error().message;
        constexpr int OWN_RATE = 16000;
        const size_t own_expected = LENGTH * OWN_RATE / RATE;
        // The same bounds at 16 kHz, with a sample either way for the resampler's rounding.
        EXPECT_GE(own->samples.size() + 1, own_expected);
        EXPECT_LE(own->samples.size(), own_expected + max_extra * OWN_RATE / c.decoded_rate + 1);
        EXPECT_EQ(own->source_rate, c.decoded_rate);
        EXPECT_EQ(own->source_channels, 1);
        expect_sine(own->samples, OWN_RATE, c);
    }
}

std::string case_name(const ::testing::TestParamInfo<std::tuple<size_t, bool>>& info) {
    return std::string(core::to_string(CASES[std::get<0>(info.param)].format)) +
           (std::get<1>(info.param) ? "_streamed" : "_whole");
}

INSTANTIATE_TEST_SUITE_P(AllFormats, EncoderFormatTest,
                         ::testing::Combine(::testing::Range<size_t>(0, CASES.size()), ::testing::Bool()), case_name);

uint32_t u32_at(const std::string& bytes, size_t offset) {
    uint32_t value = 0;
    for (size_t i = 0; i < 4; ++i) {
        value |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[offset + i])) << (8 * i);
    }
    return value;
}

// Values that test the rounding (halfway between two steps: to even, as lrintf) and the clipping, then noise.
// Not infinities: libswresample turns +inf into -32768 (lrintf's overflow value, then clipped); hearth
// clips first (NanIsSilenceInfinitiesClip).
std::vector<float> rounding_signal() {
    std::vector<float> x = {0.0F,
                            1.0F,
                            -1.0F,
                            1.5F,
                            -2.0F,
                            0.5F / 32768,
                            1.5F / 32768,
                            -0.5F / 32768,
                            -1.5F / 32768,
                            32767.5F / 32768,
                            -32768.5F / 32768,
                            1e-9F};
    uint32_t state = 12345;
    for (int i = 0; i < 5000; ++i) {
        state = state * 1664525U + 1013904223U;
        x.push_back(static_cast<float>(state >> 8) / static_cast<float>(1U << 23) - 1.0F);
    }
    return x;
}

TEST(EncoderPcmTest, EqualsFfmpegsConversionAndRoundsToNearest) {
    const std::string ffmpeg = testing::find_program("ffmpeg");
    if (ffmpeg.empty()) {
        GTEST_SKIP() << "ffmpeg is not on PATH (Debian's ffmpeg package)";
    }
    const auto x = rounding_signal();
    const TempDir dir;
    const std::string floats = dir.write("in.f32", std::string(reinterpret_cast<const char*>(x.data()), x.size() * 4));
    const auto reference = testing::as_s16(
        testing::run_capture(ffmpeg + " -nostdin -v error -f f32le -ar 24000 -ac 1 -i " + floats + " -f s16le -"));
    for (const bool streamed : {false, true}) {
        const auto pcm = testing::as_s16(encode(AudioFormat::PCM, streamed, x).bytes);
        const auto wav = encode(AudioFormat::WAV, streamed, x).bytes;
        ASSERT_EQ(pcm.size(), x.size());
        ASSERT_EQ(wav.size(), 44 + 2 * x.size());
        EXPECT_EQ(testing::as_s16(std::string_view(wav).substr(44)), pcm);
        EXPECT_EQ(pcm, reference);
        for (size_t i = 0; i < x.size(); ++i) {
            const double want = std::clamp(static_cast<double>(x[i]) * 32768.0, -32768.0, 32767.0);
            ASSERT_LE(std::abs(pcm[i] - want), 0.5) << "sample " << i << " (" << x[i] << ")";
        }
    }
    // The ties, which a truncating or half-up conversion gets wrong.
    const auto pcm = testing::as_s16(encode(AudioFormat::PCM, false, x).bytes);
    EXPECT_EQ(std::vector<int16_t>(pcm.begin(), pcm.begin() + 12),
              (std::vector<int16_t>{0, 32767, -32768, 32767, -32768, 0, 2, 0, -2, 32767, -32768, 0}));
}

TEST(EncoderPcmTest, NanIsSilenceInfinitiesClip) {
    const std::vector<float> x = {std::numeric_limits<float>::quiet_NaN(), 0.25F,
                                  std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()};
    EXPECT_EQ(testing::as_s16(encode(AudioFormat::PCM, false, x).bytes),
              (std::vector<int16_t>{0, 8192, 32767, -32768}));
}

TEST(EncoderWavTest, HeaderSizesExactWholeUnknownStreamed) {
    const auto sine = testing::make_sine(TONE, AMPLITUDE, RATE, 1001);
    const std::string whole = encode(AudioFormat::WAV, false, sine).bytes;
    const std::string streamed = encode(AudioFormat::WAV, true, sine).bytes;
    for (const std::string* wav : {&whole, &streamed}) {
        ASSERT_EQ(wav->size(), 44U + 2002U);
        EXPECT_EQ(wav->substr(0, 4), "RIFF");
        EXPECT_EQ(wav->substr(8, 8), "WAVEfmt ");
        EXPECT_EQ(u32_at(*wav, 16), 16U);
        EXPECT_EQ(u32_at(*wav, 20), 0x00010001U);  // PCM, 1 channel
        EXPECT_EQ(u32_at(*wav, 24), 24000U);
        EXPECT_EQ(u32_at(*wav, 28), 48000U);
        EXPECT_EQ(u32_at(*wav, 32), 0x00100002U);  // block align 2, 16 bits
        EXPECT_EQ(wav->substr(36, 4), "data");
    }
    EXPECT_EQ(u32_at(whole, 4), 36U + 2002U);
    EXPECT_EQ(u32_at(whole, 40), 2002U);
    EXPECT_EQ(u32_at(streamed, 4), 0xFFFFFFFFU);
    EXPECT_EQ(u32_at(streamed, 40), 0xFFFFFFFFU);
    EXPECT_EQ(whole.substr(44), streamed.substr(44));
    // hearth's FFmpeg-free WAVE reader (what a build without FFmpeg decodes uploads with) takes both.
    for (const std::string* wav : {&whole, &streamed}) {
        auto decoded = decode_wav(*wav, 60);
        ASSERT_TRUE(decoded) << decoded.error().message;
        EXPECT_EQ(decoded->source_rate, RATE);
        EXPECT_EQ(decoded->samples.size(), 667U);  // 1001 samples at 24 kHz, linearly to 16 kHz
    }
}

TEST(EncoderWavTest, StreamedHeaderLeavesWithTheFirstBytes) {
    auto encoder = AudioEncoder::create(AudioFormat::WAV, RATE, true);
    ASSERT_TRUE(encoder);
    const std::vector<float> one = {0.5F};
    auto first = (*encoder)->write(one);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->size(), 46U);
    auto second = (*encoder)->write(one);
    ASSERT_TRUE(second);
    EXPECT_EQ(*second, std::string("\x00\x40", 2));
    auto rest = (*encoder)->finish();
    ASSERT_TRUE(rest);
    EXPECT_TRUE(rest->empty());
}

// Where a FLAC file's frames begin: after "fLaC" and its metadata blocks (the last one flagged).
size_t flac_frames_offset(const std::string& flac) {
    size_t pos = 4;
    while (pos + 4 <= flac.size()) {
        const auto header = static_cast<uint8_t>(flac[pos]);
        const size_t length = (static_cast<size_t>(static_cast<uint8_t>(flac[pos + 1])) << 16) |
                              (static_cast<size_t>(static_cast<uint8_t>(flac[pos + 2])) << 8) |
                              static_cast<uint8_t>(flac[pos + 3]);
        pos += 4 + length;
        if ((header & 0x80U) != 0) {
            return pos;
        }
    }
    return std::string::npos;
}

// Streamed and whole carry the same audio. Found: pcm and aac (ADTS has nothing to fill in) byte-identical;
// wav identical after the header; flac identical frames (only STREAMINFO's sample count and MD5 differ);
// mp3 identical frames, the whole file having one more (the Xing/LAME "Info" frame), so that its decoding
// is the streamed one's minus the 1105 samples of delay that frame tells ffmpeg to trim; opus: the same
// packets in different Ogg pages (streamed, every write() ends a page), identical decoding.
TEST(EncoderStreamTest, StreamedCarriesTheSameAudioAsWhole) {
    const std::string ffmpeg = testing::find_program("ffmpeg");
    if (ffmpeg.empty()) {
        GTEST_SKIP() << "ffmpeg is not on PATH (Debian's ffmpeg package)";
    }
    const auto sine = testing::make_sine(TONE, AMPLITUDE, RATE, LENGTH);
    const TempDir dir;
    for (const auto& c : CASES) {
        const std::string name(core::to_string(c.format));
        SCOPED_TRACE(name);
        const std::string whole = encode(c.format, false, sine).bytes;
        const std::string streamed = encode(c.format, true, sine).bytes;
        if (c.format == AudioFormat::PCM || c.format == AudioFormat::AAC) {
            EXPECT_EQ(whole, streamed);
        } else if (c.format == AudioFormat::WAV) {
            EXPECT_EQ(whole.substr(44), streamed.substr(44));
        } else if (c.format == AudioFormat::FLAC) {
            const size_t frames = flac_frames_offset(whole);
            ASSERT_NE(frames, std::string::npos);
            EXPECT_EQ(frames, flac_frames_offset(streamed));
            EXPECT_EQ(whole.substr(frames), streamed.substr(frames));
            EXPECT_NE(whole.substr(0, frames), streamed.substr(0, frames));  // whole has the totals
        }
        const bool raw = c.format == AudioFormat::PCM;
        const auto from_whole = ffmpeg_decode(ffmpeg, dir.write("whole." + name, whole), raw);
        auto from_streamed = ffmpeg_decode(ffmpeg, dir.write("streamed." + name, streamed), raw);
        if (c.format == AudioFormat::MP3) {
            ASSERT_EQ(streamed.size() + 192, whole.size());  // one 576-sample frame at 64 kb/s, 24 kHz
            ASSERT_GE(from_streamed.size(), 1105 + from_whole.size());
            from_streamed = std::vector<float>(from_streamed.begin() + 1105,
                                               from_streamed.begin() + 1105 + static_cast<long>(from_whole.size()));
        }
        EXPECT_EQ(from_whole.size(), c.format == AudioFormat::AAC ? 32768U : LENGTH * c.decoded_rate / RATE);
        EXPECT_TRUE(from_whole == from_streamed);
    }
}

// A rate a codec cannot take is resampled to one it can: mp3 has no 20 kHz (it gets 22.05 kHz), libopus no
// 44.1 kHz (it gets 48 kHz).
TEST(EncoderRateTest, ResamplesToARateTheCodecTakes) {
    const std::string ffmpeg = testing::find_program("ffmpeg");
    const std::string ffprobe = testing::find_program("ffprobe");
    if (ffmpeg.empty() || ffprobe.empty()) {
        GTEST_SKIP() << "ffmpeg and ffprobe are not on PATH (Debian's ffmpeg package)";
    }
    const TempDir dir;
    for (const auto& [format, in_rate, out_rate] :
         {std::tuple{AudioFormat::MP3, 20000, 22050}, std::tuple{AudioFormat::OPUS, 44100, 48000},
          std::tuple{AudioFormat::FLAC, 44100, 44100}}) {
        SCOPED_TRACE(std::string(core::to_string(format)) + " at " + std::to_string(in_rate));
        const auto length = static_cast<size_t>(in_rate) * 13 / 10;
        const auto sine = testing::make_sine(TONE, AMPLITUDE, in_rate, length);
        const std::string file = dir.write("audio", encode(format, false, sine, in_rate).bytes);
        const auto fields = probe(ffprobe, file, false);
        EXPECT_EQ(fields.count("sample_rate") ? fields.at("sample_rate") : "", std::to_string(out_rate));
        const auto decoded = ffmpeg_decode(ffmpeg, file, false);
        const auto expected = static_cast<double>(length) * out_rate / in_rate;
        EXPECT_NEAR(static_cast<double>(decoded.size()), expected, 2.0);
        const auto middle = std::span<const float>(decoded).subspan(out_rate / 5, out_rate * 9 / 10);
        EXPECT_NEAR(testing::dominant_frequency(middle, out_rate), TONE, 1.0);
        EXPECT_GE(testing::fit_sine(middle, TONE, out_rate).explained, 0.99);
    }
}

TEST(EncoderErrorTest, RejectsRatesAndCallsAfterFinish) {
    for (const int rate : {0, -24000}) {
        for (const auto& c : CASES) {
            auto encoder = AudioEncoder::create(c.format, rate, false);
            ASSERT_FALSE(encoder);
            EXPECT_EQ(encoder.error().code, ErrorCode::INVALID_ARGUMENT);
        }
    }
    const std::vector<float> samples(100, 0.1F);
    for (const auto& c : CASES) {
        for (const bool streamed : {false, true}) {
            SCOPED_TRACE(std::string(core::to_string(c.format)) + (streamed ? " streamed" : " whole"));
            auto encoder = AudioEncoder::create(c.format, RATE, streamed);
            ASSERT_TRUE(encoder) << encoder.error().message;
            ASSERT_TRUE((*encoder)->write(samples));
            ASSERT_TRUE((*encoder)->finish());
            auto again = (*encoder)->finish();
            ASSERT_FALSE(again);
            EXPECT_EQ(again.error().code, ErrorCode::INTERNAL);
            EXPECT_NE(again.error().message.find("finished"), std::string::npos);
            auto late = (*encoder)->write(samples);
            ASSERT_FALSE(late);
            EXPECT_EQ(late.error().code, ErrorCode::INTERNAL);
        }
    }
}

// No samples at all (a sentence that synthesized to nothing) still finishes; flac and wav make a file ffprobe
// opens.
TEST(EncoderErrorTest, NoSamplesStillMakesAFile) {
    const std::string ffprobe = testing::find_program("ffprobe");
    const TempDir dir;
    for (const auto& c : CASES) {
        SCOPED_TRACE(std::string(core::to_string(c.format)));
        for (const bool streamed : {false, true}) {
            const std::string bytes = encode(c.format, streamed, {}).bytes;
            if (c.format == AudioFormat::PCM) {
                EXPECT_TRUE(bytes.empty());
                continue;
            }
            if (c.format == AudioFormat::WAV) {
                ASSERT_EQ(bytes.size(), 44U);
                EXPECT_EQ(u32_at(bytes, 40), streamed ? 0xFFFFFFFFU : 0U);
            }
            // mp3 (an ID3 tag alone), Ogg Opus (its two header pages alone) and ADTS (nothing) hold no frame to
            // probe: those only have to finish.
            if (!ffprobe.empty() && (c.format == AudioFormat::FLAC || c.format == AudioFormat::WAV)) {
                const auto fields = probe(ffprobe, dir.write("empty", bytes), false);
                EXPECT_EQ(fields.count("codec_name") ? fields.at("codec_name") : "", c.codec);
            }
        }
    }
}

TEST(SpeechFormatTest, NamesAndContentTypes) {
    const std::array<std::tuple<AudioFormat, const char*, const char*>, 6> expected{{
        {AudioFormat::MP3, "mp3", "audio/mpeg"},
        {AudioFormat::OPUS, "opus", "audio/ogg"},
        {AudioFormat::AAC, "aac", "audio/aac"},
        {AudioFormat::FLAC, "flac", "audio/flac"},
        {AudioFormat::WAV, "wav", "audio/wav"},
        {AudioFormat::PCM, "pcm", "audio/pcm"},
    }};
    for (const auto& [format, name, type] : expected) {
        EXPECT_EQ(core::to_string(format), name);
        EXPECT_EQ(core::content_type(format), type);
        EXPECT_EQ(core::parse_audio_format(name), format);
    }
    for (const char* bad : {"", "MP3", "ogg", "mp3 ", "wave", "pcm16"}) {
        EXPECT_FALSE(core::parse_audio_format(bad).has_value()) << bad;
    }
}

}  // namespace
}  // namespace hearth::engine
