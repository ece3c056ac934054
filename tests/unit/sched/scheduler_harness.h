#pragma once
// Submitting requests to a TextScheduler and collecting what comes back, for the scheduler's tests.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sched/text_scheduler.h"

namespace hearth::sched {

struct Outcome {
    std::string text;
    std::vector<int32_t> tokens;
    std::optional<core::FinishEvent> finish;
    std::optional<Error> error;
};

inline core::GenerationRequest make_request(std::vector<int32_t> prompt, int32_t max_tokens) {
    core::GenerationRequest r;
    r.prompt_tokens = std::move(prompt);
    r.max_tokens = max_tokens;
    r.events = std::make_shared<core::EventChannel>(static_cast<size_t>(max_tokens) + 8);
    return r;
}

inline Outcome collect(core::EventChannel& events) {
    Outcome out;
    std::optional<core::GenerationEvent> ev;
    while (events.pop(ev, std::chrono::seconds(5)) == PopStatus::OK) {
        if (auto* tok = std::get_if<core::TokenEvent>(&*ev)) {
            out.text += tok->text;
            out.tokens.insert(out.tokens.end(), tok->tokens.begin(), tok->tokens.end());
        } else if (auto* fin = std::get_if<core::FinishEvent>(&*ev)) {
            out.finish = *fin;
            return out;
        } else {
            out.error = std::get<core::ErrorEvent>(*ev).error;
            return out;
        }
    }
    ADD_FAILURE() << "no finish event within 5 s";
    return out;
}

inline Outcome run_one(TextScheduler& s, core::GenerationRequest r) {
    auto events = r.events;
    EXPECT_TRUE(s.submit(std::move(r)).has_value());
    return collect(*events);
}

}  // namespace hearth::sched
