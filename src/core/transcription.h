#pragma once
// Speech-to-text requests and results, independent of whisper.cpp and of the wire format.

#include <cstdint>
#include <string>
#include <vector>

namespace hearth::core {

struct TranscriptionOptions {
    std::string language;      // ISO 639-1 ("en"); empty: detect
    std::string prompt;        // text that conditions the decoder (names, spelling)
    float temperature = 0.0f;  // first decoding temperature; whisper raises it when a window decodes badly
    bool translate = false;    // to English
    bool word_timestamps = false;
    bool vad = false;       // skip silence with the server's VAD model
    int32_t n_threads = 0;  // set by the speech pool (its share of the cores); 0: the engine's own count
};

struct TranscriptSegment {
    int id = 0;
    double start = 0;  // seconds
    double end = 0;
    std::string text;
    std::vector<int32_t> tokens;
    double avg_logprob = 0;
    double no_speech_prob = 0;
    double temperature = 0;
};

struct TranscriptWord {
    std::string word;
    double start = 0;
    double end = 0;
};

struct Transcript {
    std::string language;  // detected or given
    double duration = 0;   // seconds of audio
    std::vector<TranscriptSegment> segments;
    std::vector<TranscriptWord> words;  // when word timestamps were asked for
    std::string text() const;
};

}  // namespace hearth::core
