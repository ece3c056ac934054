// The built-in flite voice against ffmpeg's flite source filter (the same libflite, resampled by the
// aresample filter that `-ar 24000` inserts): every voice, numbers and punctuation, sample for sample. Also
// the resampler alone against ffmpeg, the errors, the stop flag, 4 threads at once, odd input, and
// flite_text()'s conversions.
//
// Exactness needs one thing of ffmpeg's process: libavdevice pulls in librom1394 (FireWire), whose exported
// get_unit_size() takes the place of libflite's own get_unit_size() by symbol interposition, so that
// `ffmpeg -f lavfi -i flite=...` corrupts the diphone voices (kal, kal16) for every text; a program that
// links libavfilter without libavdevice, or hearth, gets flite's true output. The reference therefore runs
// ffmpeg with LD_PRELOAD=libflite.so.1, which puts libflite's symbols ahead of librom1394's.

#include "engine/flite_voice.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/speech_synthesis.h"
#include "engine/audio_resampler.h"
#include "temp_dir.h"

namespace hearth::engine {
namespace {

const std::vector<std::string> VOICES = {"slt", "kal", "awb", "rms", "kal16"};

std::string run_capture(const std::string& command) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), &pclose);
    if (!pipe) {
        return {};
    }
    std::string out;
    char buffer[1 << 16];
    size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe.get())) > 0) {
        out.append(buffer, n);
    }
    return out;
}

template <typename T>
std::vector<T> as_samples(const std::string& bytes) {
    std::vector<T> samples(bytes.size() / sizeof(T));
    std::memcpy(samples.data(), bytes.data(), samples.size() * sizeof(T));
    return samples;
}

template <typename T>
std::string as_bytes(const std::vector<T>& samples) {
    return {reinterpret_cast<const char*>(samples.data()), samples.size() * sizeof(T)};
}

// hearth's floats are s16 / 32768, so this is exact.
std::vector<int16_t> to_s16(const std::vector<float>& samples) {
    std::vector<int16_t> out(samples.size());
    for (size_t i = 0; i < samples.size(); ++i) {
        out[i] = static_cast<int16_t>(std::lrint(std::clamp(samples[i] * 32768.0F, -32768.0F, 32767.0F)));
    }
    return out;
}

// ffmpeg's flite source filter on the same text (read from a file: nothing to escape in the lavfi string).
std::vector<int16_t> ffmpeg_flite(const testing::TempDir& dir, const std::string& text, const std::string& voice) {
    const std::string file = dir.write("text-" + voice + ".txt", text);
    return as_samples<int16_t>(
        run_capture("LD_PRELOAD=libflite.so.1 ffmpeg -nostdin -v error -f lavfi -i flite=textfile=" + file +
                    ":voice=" + voice + " -ar 24000 -ac 1 -f s16le -"));
}

::testing::AssertionResult same_samples(const std::vector<int16_t>& got, const std::vector<int16_t>& want) {
    size_t differing = 0;
    int max_diff = 0;
    for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
        const int diff = std::abs(got[i] - want[i]);
        differing += diff != 0 ? 1 : 0;
        max_diff = std::max(max_diff, diff);
    }
    if (got.size() == want.size() && differing == 0) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << got.size() << " samples against " << want.size() << ", " << differing
                                         << " differ, by up to " << max_diff;
}

bool have_ffmpeg_flite() {
    return run_capture("ffmpeg -hide_banner -filters 2>/dev/null").find(" flite ") != std::string::npos;
}

class FliteVoice : public ::testing::Test {
protected:
    void SetUp() override {
        if (HEARTH_HAVE_FLITE == 0) {
            GTEST_SKIP() << "built without flite (HEARTH_FLITE=OFF or HEARTH_FFMPEG=OFF)";
        }
        auto created = FliteSynthesizer::create();
        ASSERT_TRUE(created) << created.error().message;
        synth_ = std::move(*created);
    }
    std::vector<int16_t> speak(const std::string& text, const std::string& voice) {
        auto samples = synth_->synthesize(text, voice, nullptr);
        EXPECT_TRUE(samples) << voice << ": " << samples.error().message;
        return samples ? to_s16(*samples) : std::vector<int16_t>{};
    }
    std::unique_ptr<FliteSynthesizer> synth_;
};

TEST(FliteWithout, CreateIsUnsupported) {
    if (HEARTH_HAVE_FLITE != 0) {
        GTEST_SKIP() << "built with flite";
    }
    auto created = FliteSynthesizer::create();
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().code, ErrorCode::UNSUPPORTED);
}

TEST_F(FliteVoice, ListsItsFiveVoices) {
    EXPECT_EQ(synth_->voices(), VOICES);
}

TEST_F(FliteVoice, EqualsFfmpegForEveryVoice) {
    if (!have_ffmpeg_flite()) {
        GTEST_SKIP() << "ffmpeg with the flite filter is not installed";
    }
    const testing::TempDir dir;
    const std::vector<std::string> sentences = {
        "Hello world.",
        "It costs $12.50, not 3,000 dollars; call 555-0134 at 3:45 PM!",
        "Dr. Smith's 2nd test (of 10) passed: 99.5% accuracy? Yes - \"really\" [sic].",
    };
    for (const auto& voice : VOICES) {
        for (const auto& text : sentences) {
            const auto want = ffmpeg_flite(dir, text, voice);
            ASSERT_GT(want.size(), 10000u) << "ffmpeg gave no audio for " << voice;
            EXPECT_TRUE(same_samples(speak(text, voice), want)) << voice << ": " << text;
        }
    }
}

TEST_F(FliteVoice, SamplesAreInRangeAtTwentyFourKilohertz) {
    for (const auto& voice : VOICES) {
        auto samples = synth_->synthesize("One two three.", voice, nullptr);
        ASSERT_TRUE(samples) << samples.error().message;
        const double seconds = static_cast<double>(samples->size()) / core::SPEECH_SAMPLE_RATE;
        EXPECT_GT(seconds, 0.5) << voice;
        EXPECT_LT(seconds, 3.0) << voice;
        float peak = 0;
        for (float x : *samples) {
            ASSERT_GE(x, -1.0F);
            ASSERT_LT(x, 1.0F);
            peak = std::max(peak, std::abs(x));
        }
        EXPECT_GT(peak, 0.1F) << voice << " is silent";
    }
}

TEST_F(FliteVoice, UnknownVoiceIsRefused) {
    for (const std::string voice : {"alloy", "", "SLT", "slt ", "cmu_us_slt", "kal8"}) {
        auto samples = synth_->synthesize("Hello.", voice, nullptr);
        ASSERT_FALSE(samples) << voice;
        EXPECT_EQ(samples.error().code, ErrorCode::INVALID_ARGUMENT);
        EXPECT_EQ(samples.error().param, "voice");
        EXPECT_NE(samples.error().message.find("slt"), std::string::npos) << samples.error().message;
    }
}

TEST_F(FliteVoice, EmptyOrUnspeakableInputIsRefused) {
    for (const auto& voice : VOICES) {
        for (const std::string text : {"", " ", "?!...", "\n\t", "- ' ...", "\xe6\x97\xa5\xe6\x9c\xac"}) {
            auto samples = synth_->synthesize(text, voice, nullptr);
            ASSERT_FALSE(samples) << voice << " [" << text << "]";
            EXPECT_EQ(samples.error().code, ErrorCode::INVALID_ARGUMENT);
            EXPECT_EQ(samples.error().param, "input");
        }
    }
    // Symbols alone are words to flite.
    EXPECT_FALSE(speak("$", "kal").empty());
}

TEST_F(FliteVoice, StopFlagSetBeforeCancels) {
    const std::atomic<bool> stop{true};
    auto samples = synth_->synthesize("Hello world.", "slt", &stop);
    ASSERT_FALSE(samples);
    EXPECT_EQ(samples.error().code, ErrorCode::CANCELLED);
}

// A long input ends soon after the flag is set: 2048 characters of ordinary text take slt about 2 s, of which
// flite's front end (which cannot be stopped) takes the first third; stopped at 0.1 s, the run must take
// well under the full run's time, measured here too so that a busy machine slows both alike. flite is fine
// afterwards.
TEST_F(FliteVoice, StopFlagEndsALongSynthesis) {
    const auto before = speak("Still fine.", "slt");
    std::string text;
    while (text.size() < 2048) {
        text += "The quick brown fox, 123 jumps over 4.5 lazy dogs. ";
    }
    text.resize(2048);
    auto start = std::chrono::steady_clock::now();
    EXPECT_FALSE(speak(text, "slt").empty());
    const auto full_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::atomic<bool> stop{false};
    start = std::chrono::steady_clock::now();
    std::thread stopper([&stop] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        stop = true;
    });
    auto samples = synth_->synthesize(text, "slt", &stop);
    stopper.join();
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_FALSE(samples);
    EXPECT_EQ(samples.error().code, ErrorCode::CANCELLED);
    EXPECT_LT(seconds, 0.7 * full_seconds) << "a full run took " << full_seconds << " s";
    EXPECT_TRUE(same_samples(speak("Still fine.", "slt"), before));
}

TEST_F(FliteVoice, FourThreadsGiveTheSameSamplesAsAlone) {
    const std::vector<std::pair<std::string, std::string>> jobs = {
        {"slt", "The first of four threads speaks."},
        {"awb", "Seventeen sheep, 42 goats."},
        {"kal", "A diphone voice at eight kilohertz."},
        {"slt", "Same voice, another thread, another text!"},
    };
    std::vector<std::vector<int16_t>> alone;
    for (const auto& [voice, text] : jobs) {
        alone.push_back(speak(text, voice));
    }
    std::vector<std::vector<int16_t>> together(jobs.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < jobs.size(); ++i) {
        threads.emplace_back([&, i] {
            for (int round = 0; round < 3 && together[i].empty(); ++round) {
                auto samples = synth_->synthesize(jobs[i].second, jobs[i].first, nullptr);
                together[i] = samples ? to_s16(*samples) : std::vector<int16_t>{};
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    for (size_t i = 0; i < jobs.size(); ++i) {
        EXPECT_TRUE(same_samples(together[i], alone[i])) << jobs[i].first << ": " << jobs[i].second;
    }
}

TEST_F(FliteVoice, InstancesShareTheVoices) {
    const auto before = speak("Shared voices.", "awb");
    {
        auto second = FliteSynthesizer::create();
        ASSERT_TRUE(second);
        auto samples = (*second)->synthesize("Shared voices.", "awb", nullptr);
        ASSERT_TRUE(samples);
        EXPECT_TRUE(same_samples(to_s16(*samples), before));
    }
    EXPECT_TRUE(same_samples(speak("Shared voices.", "awb"), before));  // the second's end kept them
    synth_.reset();                                                     // the last one: unregistered
    auto again = FliteSynthesizer::create();
    ASSERT_TRUE(again);
    synth_ = std::move(*again);
    EXPECT_TRUE(same_samples(speak("Shared voices.", "awb"), before));
}

TEST_F(FliteVoice, OddInputNeitherCrashesNorHangs) {
    const std::vector<std::string> odd = {
        "Hello\x01\x02 world\x7f \x1b[31m red",
        std::string("nul\0inside", 10),
        "\xff\xfe\xc3 broken \xe2\x82 utf8",
        "Na\xc3\xafve caf\xc3\xa9 \xf0\x9f\x98\x80 \xe6\x97\xa5\xe6\x9c\xac \xe2\x80\x9cquoted\xe2\x80\x9d",
        std::string(300, 'x'),
        "supercalifragilisticexpialidocious-and-then-some-more-hyphenated-words",
        "$5 & 100% @home #1 <tag> {x} [y] ~ ^ | \\ / ` 1e10 -5 +7 1/2 2024-01-02",
    };
    for (const auto& text : odd) {
        for (const std::string voice : {"slt", "kal"}) {
            auto samples = synth_->synthesize(text, voice, nullptr);
            ASSERT_TRUE(samples) << voice << " [" << text << "]: " << samples.error().message;
            EXPECT_FALSE(samples->empty());
        }
    }
}

// 4096 characters run to the end, the slowest kind too (a 4096-digit number, read digit by digit).
TEST_F(FliteVoice, FourThousandCharactersRunToTheEnd) {
    std::string text;
    while (text.size() < 4096) {
        text += "The quick brown fox, 123 jumps over 4.5 lazy dogs. ";
    }
    text.resize(4096);
    for (const auto& [input, min_seconds] :
         std::vector<std::pair<std::string, double>>{{text, 200.0}, {std::string(4096, '9'), 600.0}}) {
        auto samples = synth_->synthesize(input, "kal16", nullptr);
        ASSERT_TRUE(samples) << samples.error().message;
        const double audio_seconds = static_cast<double>(samples->size()) / core::SPEECH_SAMPLE_RATE;
        EXPECT_GT(audio_seconds, min_seconds);
        EXPECT_LT(audio_seconds, 2000.0);
    }
}

// What the header promises flite_text() does (in every build: it needs nothing of flite).
TEST(FliteText, MakesAsciiFlitesFrontEndReads) {
    EXPECT_EQ(flite_text("Plain ASCII, 12 $ % & stays.\n\tOK"), "Plain ASCII, 12 $ % & stays.\n\tOK");
    EXPECT_EQ(flite_text("Caf\xc3\xa9 na\xc3\xafve \xc3\x85ngstr\xc3\xb6m \xc3\x9f \xc5\x92uvre \xc5\x81\xc3\xb3"
                         "d\xc5\xba"),
              "Cafe naive Angstrom ss OEuvre Lodz");
    EXPECT_EQ(flite_text("\xe2\x80\x9cHi\xe2\x80\x9d \xe2\x80\x98x\xe2\x80\x99 a\xe2\x80\x94"
                         "b\xe2\x80\xa6"),
              "\"Hi\" 'x' a-b...");
    EXPECT_EQ(flite_text("a\xe2\x80\x8b"
                         "b\xc2\xa0"
                         "c"),
              "ab c");                                                                 // zero-width, no-break space
    EXPECT_EQ(flite_text("\xe6\x97\xa5\xf0\x9f\x98\x80!"), "  !");                     // one space per character
    EXPECT_EQ(flite_text(std::string("a\0b\x01\x7f", 5)), "a b  ");                    // controls
    EXPECT_EQ(flite_text("\xff|\xc3|\xe2\x82|\xc0\xaf|\xed\xa0\x80|"), " | | | | |");  // malformed
}

// synthesize() speaks flite_text()'s result.
TEST_F(FliteVoice, NonAsciiIsSpokenAsItsAsciiText) {
    EXPECT_TRUE(same_samples(speak("Caf\xc3\xa9 d\xc3\xa9j\xc3\xa0 vu", "slt"), speak("Cafe deja vu", "slt")));
    EXPECT_TRUE(
        same_samples(speak("\xe2\x80\x9cWell\xe2\x80\x9d \xe2\x80\x94 ok\x01", "kal"), speak("\"Well\" - ok ", "kal")));
}

// The resampler alone against ffmpeg's `-ar`, in s16 and in float, on a signal with every kind of content (a
// chirp, noise, clipping).
void expect_resampler_equals_ffmpeg(size_t length, int from, int to) {
    const testing::TempDir dir;
    std::vector<int16_t> s16(length);
    std::vector<float> f32(length);
    uint32_t state = 12345;
    for (size_t i = 0; i < length; ++i) {
        state = state * 1664525U + 1013904223U;
        const double t = static_cast<double>(i) / from;
        const double x = 0.7 * std::sin(2 * M_PI * (100 + 3000 * t) * t) + 0.2 * ((state >> 8) / 16777216.0 - 0.5);
        s16[i] = static_cast<int16_t>(std::clamp(x * 40000, -32768.0, 32767.0));
        f32[i] = static_cast<float>(x);
    }
    const std::string in_args = " -ar " + std::to_string(from) + " -ac 1 -i ";
    const std::string out_args = " -ar " + std::to_string(to) + " -ac 1 ";
    const std::string s16_file = dir.write("in.s16", as_bytes(s16));
    auto got = resample_s16(s16, from, to);
    if (!got && got.error().code == ErrorCode::UNSUPPORTED) {
        GTEST_SKIP() << "built without FFmpeg";
    }
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_TRUE(same_samples(*got, as_samples<int16_t>(run_capture("ffmpeg -nostdin -v error -f s16le" + in_args +
                                                                   s16_file + out_args + "-f s16le -"))))
        << length << " samples, " << from << " -> " << to;
    const std::string f32_file = dir.write("in.f32", as_bytes(f32));
    auto got_float = resample_float(f32, from, to);
    ASSERT_TRUE(got_float) << got_float.error().message;
    const auto want_float = as_samples<float>(
        run_capture("ffmpeg -nostdin -v error -f f32le" + in_args + f32_file + out_args + "-f f32le -"));
    EXPECT_EQ(as_bytes(*got_float), as_bytes(want_float)) << length << " samples, " << from << " -> " << to << ": "
                                                          << got_float->size() << " against " << want_float.size();
}

TEST(AudioResampler, EqualsFfmpegInSixteenBitsAndFloat) {
    if (!have_ffmpeg_flite()) {
        GTEST_SKIP() << "ffmpeg is not installed";
    }
    for (const auto& [from, to] : std::vector<std::pair<int, int>>{
             {16000, 24000}, {8000, 24000}, {44100, 24000}, {24000, 16000}, {22050, 48000}}) {
        expect_resampler_equals_ffmpeg(40000, from, to);
    }
    // Short inputs: the flushed tail is all there is (ffmpeg gives nothing for the shortest, and so does hearth).
    for (size_t length : {1, 20, 100, 513}) {
        expect_resampler_equals_ffmpeg(length, 8000, 24000);
    }
}

TEST(AudioResampler, EdgeCases) {
    const std::vector<int16_t> some = {1, 2, 3};
    auto same = resample_s16(some, 16000, 16000);
    ASSERT_TRUE(same);
    EXPECT_EQ(*same, some);
    auto empty = resample_s16({}, 16000, 24000);
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->empty());
    auto bad = resample_float({}, 0, 24000);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ErrorCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace hearth::engine
