#pragma once
// The capability the speech pool drives: shared weights that make sessions, each session one decoding
// state that transcribes one request at a time. Implemented by WhisperEngine, and by fakes in tests.
// Thread contract: make_session() from any thread; a session is used by one thread at a time.

#include <atomic>
#include <memory>
#include <vector>

#include "core/transcription.h"
#include "util/result.h"

namespace hearth::engine {

class SpeechSession {
public:
    virtual ~SpeechSession() = default;
    // 16 kHz mono samples. `stop` (may be null) ends the run with CANCELLED when set.
    virtual Result<core::Transcript> transcribe(const std::vector<float>& samples,
                                                const core::TranscriptionOptions& options,
                                                const std::atomic<bool>* stop) = 0;
};

class SpeechEngine {
public:
    virtual ~SpeechEngine() = default;
    virtual Result<std::unique_ptr<SpeechSession>> make_session() = 0;
};

}  // namespace hearth::engine
