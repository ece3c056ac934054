#pragma once
// One model's state inside ModelRegistry (private to the registry's .cpp files). Guarded by the registry's
// mutex, except `book`, which has its own.

#include <memory>

#include "core/model_spec.h"
#include "registry/embedding_model.h"
#include "registry/lease_book.h"
#include "registry/model_registry.h"
#include "registry/speech_model.h"
#include "registry/text_model.h"
#include "registry/voice_model.h"

namespace hearth::registry {

struct ModelRegistry::Slot {
    ModelStatus status;  // leases and slots are filled at snapshot time
    core::ModelSpec spec;
    bool probed = false;                        // the file was readable as a model: loading it may succeed
    std::shared_ptr<TextModel> text;            // while ready (and unloading), by kind
    std::shared_ptr<EmbeddingModel> embedding;  // (one of them)
    std::shared_ptr<SpeechModel> speech;
    std::shared_ptr<VoiceModel> voice;
    std::shared_ptr<IsolatedModel> isolated;
    int64_t restart_at_ms = 0;  // after status.crashes: no automatic load before this (steady clock)
    int64_t last_crash_ms = 0;
    std::shared_ptr<LeaseBook> book = std::make_shared<LeaseBook>();

    bool loaded() const {
        return text != nullptr || embedding != nullptr || speech != nullptr || voice != nullptr || isolated != nullptr;
    }
    // Nothing queued or running in its scheduler.
    bool quiet() const;
    // Why the loaded model can serve no more (its engine failed, its process ended); empty while it can.
    std::string failure() const;
    // Its process ended unasked: the next automatic load waits 1, 2, 4 ... 60 s, so that a model that crashes
    // at every load or first request does not spin. A crash 5 minutes after the last starts the count again.
    void note_crash();
    // Stops its scheduler (requests end with an error) and lets the model go (freed with the last lease).
    void release_model();
};

int64_t steady_now_ms();

}  // namespace hearth::registry
