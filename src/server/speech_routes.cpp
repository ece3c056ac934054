// Text-to-speech: the input is cut into sentences and each is synthesized, time-stretched and encoded in turn,
// so that the first audio leaves after the first sentence, not the whole text. The first sentence is made
// before the response starts: until then any failure still gets its own status code.

#include "server/speech_routes.h"

#include <atomic>
#include <chrono>
#include <memory>

#include "api/speech_request.h"
#include "api/speech_response.h"
#include "api/sse.h"
#include "engine/audio_encoder.h"
#include "engine/time_stretch.h"
#include "server/reply.h"
#include "server/request_record.h"
#include "util/poll_watcher.h"

namespace hearth::server {

namespace {

// One request's pipeline after the voice: what the stream producer carries on with.
struct SpeechRun {
    std::shared_ptr<registry::VoiceModel> model;  // held for as long as sentences remain
    core::SpeechRequest request;
    std::string voice;
    std::vector<std::string> sentences;
    size_t next = 0;  // the first sentence not synthesized yet
    std::unique_ptr<engine::AudioEncoder> encoder;
    std::unique_ptr<engine::TimeStretch> stretch;  // null at speed 1
    core::SpeechUsage usage;
    std::atomic<bool> stop{false};
};

Result<registry::SentenceAudio> synthesize_next(SpeechRun& run) {
    auto audio = run.model->synthesize(run.sentences[run.next], run.voice, run.request, &run.stop);
    ++run.next;
    if (audio) {
        run.usage.input_tokens += audio->input_tokens;
        run.usage.output_tokens += audio->output_tokens;
        run.usage.audio_seconds += static_cast<double>(audio->samples.size()) / core::SPEECH_SAMPLE_RATE;
    }
    return audio;
}

// The encoded bytes of these samples (after the time stretch); at the end also what the stretch and the
// encoder still hold.
Result<std::string> encode(SpeechRun& run, const std::vector<float>& samples, bool last) {
    std::vector<float> stretched;
    const std::vector<float>* input = &samples;
    if (run.stretch) {
        auto out = run.stretch->process(samples);
        if (!out) {
            return out.error();
        }
        stretched = std::move(*out);
        if (last) {
            auto tail = run.stretch->finish();
            if (!tail) {
                return tail.error();
            }
            stretched.insert(stretched.end(), tail->begin(), tail->end());
        }
        input = &stretched;
    }
    auto bytes = run.encoder->write(*input);
    if (!bytes || !last) {
        return bytes;
    }
    auto rest = run.encoder->finish();
    if (!rest) {
        return rest.error();
    }
    return *bytes + *rest;
}

bool send(SpeechRun& run, http::StreamWriter& out, const std::string& bytes) {
    if (bytes.empty()) {
        return true;
    }
    return out.write(run.request.sse ? api::speech_delta_event(bytes) : bytes);
}

// Sends the first sentence's audio, then makes, encodes and sends the others one by one.
void produce(SpeechRun& run, registry::SentenceAudio first, http::StreamWriter& out) {
    Result<registry::SentenceAudio> audio = std::move(first);
    while (true) {
        if (!audio) {
            if (run.request.sse && audio.error().code != ErrorCode::CANCELLED) {
                out.write(api::sse_error(audio.error()));
            }
            return;  // a raw audio stream can only end short: the client sees the cut
        }
        const bool last = run.next == run.sentences.size();
        auto bytes = encode(run, audio->samples, last);
        if (!bytes) {
            audio = bytes.error();
            continue;
        }
        if (!send(run, out, *bytes) || out.disconnected()) {
            return;
        }
        if (last) {
            break;
        }
        audio = synthesize_next(run);
    }
    if (run.request.sse) {
        out.write(api::speech_done_event(run.usage));
    }
}

Result<void> prepare(RouteContext& ctx, SpeechRun& run) {
    auto model = ctx.registry.acquire_voice(run.request.model);
    if (!model) {
        return model.error();
    }
    run.model = std::move(*model);
    auto voice = run.model->resolve_voice(run.request.voice);
    if (!voice) {
        return voice.error();
    }
    run.voice = std::move(*voice);
    auto sentences = run.model->sentences(run.request.input);
    if (!sentences) {
        return sentences.error();
    }
    run.sentences = std::move(*sentences);
    auto encoder = engine::AudioEncoder::create(run.request.format, core::SPEECH_SAMPLE_RATE, true);
    if (!encoder) {
        return make_error(encoder.error().code, encoder.error().message, "response_format");
    }
    run.encoder = std::move(*encoder);
    if (run.request.speed != 1.0) {
        auto stretch = engine::TimeStretch::create(core::SPEECH_SAMPLE_RATE, run.request.speed);
        if (!stretch) {
            return make_error(stretch.error().code, stretch.error().message, "speed");
        }
        run.stretch = std::move(*stretch);
    }
    return {};
}

}  // namespace

http::HttpResponse post_speech(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&) {
    auto request = api::parse_speech_request(req.body);
    if (!request) {
        return error_response(request.error());
    }
    auto run = std::make_shared<SpeechRun>();
    run->request = std::move(*request);
    if (auto ready = prepare(ctx, *run); !ready) {
        return error_response(ready.error());
    }
    note_model(run->request.model);
    Result<registry::SentenceAudio> first = make_error(ErrorCode::INTERNAL, "not run");
    {
        PollWatcher watcher(
            std::chrono::milliseconds(100), [&req] { return req.client_gone(); }, [&run] { run->stop.store(true); });
        first = synthesize_next(*run);
    }
    if (!first) {
        return error_response(first.error());
    }
    http::HttpResponse response;
    response.content_type =
        run->request.sse ? std::string(api::SSE_CONTENT_TYPE) : std::string(core::content_type(run->request.format));
    response.stream = [run,
                       first = std::make_shared<registry::SentenceAudio>(std::move(*first))](http::StreamWriter& out) {
        // A client that went away stops the sentence being made.
        PollWatcher watcher(
            std::chrono::milliseconds(100), [&out] { return out.disconnected(); }, [&run] { run->stop.store(true); });
        produce(*run, std::move(*first), out);
    };
    return response;
}

http::HttpResponse get_voices(RouteContext& ctx, const http::HttpRequest& /*req*/, const http::RouteParams&) {
    std::vector<api::VoiceListing> listing;
    for (const auto& status : ctx.registry.list()) {
        if (status.entry.info.kind != core::ModelKind::TTS) {
            continue;
        }
        api::VoiceListing model{status.entry.id, status.voices, status.state == registry::ModelState::READY};
        // The built-in voices cost nothing to load: always listed.
        if (!model.loaded && status.source == "builtin") {
            if (auto builtin = ctx.registry.acquire_voice(status.entry.id)) {
                model.voices = (*builtin)->voices();
                model.loaded = true;
            }
        }
        listing.push_back(std::move(model));
    }
    http::HttpResponse response;
    response.body = api::voices_json(listing);
    return response;
}

}  // namespace hearth::server
