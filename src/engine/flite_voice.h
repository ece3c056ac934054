#pragma once
// hearth's built-in voice: Debian's flite (flite1-dev) with its five English voices, so that speech works
// with no download. The samples equal ffmpeg's `-f lavfi -i flite=text=...:voice=...` resampled with
// `-ar 24000` (same library, same default libswresample settings), sample for sample.
// (The ffmpeg command line itself loads libavdevice, whose librom1394 exports a get_unit_size() that takes
// the place of libflite's and garbles kal and kal16; the tests run it with LD_PRELOAD=libflite.so.1. hearth
// must not link librom1394 either: the tests would catch it.)
//
// Thread contract: flite is not thread-safe (global voices, lexicon and the C library's rand(), which its
// clustergen voices draw excitation noise from), so every synthesis in the process runs under one mutex;
// flite runs at tens of times real time on one core, so requests simply queue. Any thread may call
// synthesize(), on any instance: all instances share flite's voices, registered once per process by the
// first create() and unregistered when the last instance goes (so no instance may outlive main(): the
// voices' bookkeeping is a function-local static). Each synthesis reseeds rand() with srand(1),
// the state of a fresh process (ffmpeg's), so that the same text and voice always give the same samples;
// other code calling rand() at the same moment would break that (nothing in hearth does).
//
// Text: synthesize() speaks flite_text(input), which turns UTF-8 into what flite's English front end
// reads: accented Latin letters become their base letters (é -> e, ß -> ss, Œ -> OE), typographic quotes,
// dashes and the ellipsis their ASCII look-alikes, zero-width characters nothing, and ASCII control
// characters, malformed UTF-8 and every other non-ASCII character a space (flite skips them unspoken
// anyway, and a NUL would cut the C string). Everything else goes to flite as it is: flite reads numbers,
// symbols ($ % & @ ...) and abbreviations itself, spells out words it cannot pronounce and reads long
// digit strings digit by digit, so odd input costs time but never fails. The cost grows faster than the
// length of a phrase: 4096 characters of ordinary text take slt, awb and rms about 4 s (6 minutes of
// audio), a 4096-digit number (read digit by digit, 19 minutes of audio, one phrase) about 20 s; kal and
// kal16 take a tenth of that or less.
//
// Stop: the flag is checked before flite starts and polled every 256 samples while flite generates the
// waveform, which ends the synthesis there. flite's front end and the clustergen voices' parameter
// prediction before it cannot be interrupted: about 1.5 s of the 4 s for 4096 characters of ordinary
// text (nothing for a sentence), but about 13 s for the 4096-digit number, which holds the mutex (and every
// other flite request) that long.
//
// Built with HEARTH_FLITE=OFF (or HEARTH_FFMPEG=OFF: no resampler), create() returns UNSUPPORTED
// (flite_voice_none.cpp).

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace hearth::engine {

// The text flite is given for input: see the header comment. Plain ASCII without control characters is
// returned unchanged.
std::string flite_text(std::string_view input);

class FliteSynthesizer {
    struct Passkey {
        explicit Passkey() = default;
    };

public:
    // Whether this build has the built-in voice (flite and FFmpeg's resampler); create() can still fail.
    static bool available();

    // Errors: UNSUPPORTED (built without flite or FFmpeg), INTERNAL (a voice failed to register).
    static Result<std::unique_ptr<FliteSynthesizer>> create();

    explicit FliteSynthesizer(Passkey passkey);
    ~FliteSynthesizer();
    FliteSynthesizer(const FliteSynthesizer&) = delete;
    FliteSynthesizer& operator=(const FliteSynthesizer&) = delete;

    // "slt" (female, US; the default), "kal" (male, US; 8 kHz diphones), "awb" (male, Scottish), "rms"
    // (male, US), "kal16" (kal at 16 kHz).
    const std::vector<std::string>& voices() const;

    // Speaks text in voice: core::SPEECH_SAMPLE_RATE (24 kHz) mono samples in [-1, 1), each an s16 sample
    // of flite's / 32768. `stop` (may be null) ends the run with CANCELLED when set. Errors:
    // INVALID_ARGUMENT naming "voice" (not one of voices()) or "input" (empty, or nothing flite can speak
    // in it: punctuation only, say), CANCELLED, INTERNAL.
    Result<std::vector<float>> synthesize(std::string_view text, std::string_view voice, const std::atomic<bool>* stop);

private:
    std::vector<std::string> names_;
};

}  // namespace hearth::engine
