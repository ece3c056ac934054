#include "server/generation_runner.h"

#include <chrono>

#include "api/completions_response.h"
#include "api/messages_response.h"
#include "api/responses_response.h"
#include "api/sse.h"
#include "server/reply.h"
#include "server/request_record.h"

namespace hearth::server {

namespace {

using namespace std::chrono_literals;

// Everything one running generation shares between the handler and its stream producer.
struct RunState {
    std::shared_ptr<registry::TextModel> model;  // held for as long as events may come
    std::shared_ptr<core::EventChannel> events;
    CancelToken cancel;
};

Result<RunState> submit_choices(PreparedGeneration& g) {
    const uint32_t n = std::max<uint32_t>(1, g.options.n);
    const int32_t max_tokens = g.options.max_tokens.value_or(1);
    RunState state{g.model, std::make_shared<core::EventChannel>(n * (static_cast<size_t>(max_tokens) + 8)), {}};
    for (uint32_t choice = 0; choice < n; ++choice) {
        core::GenerationRequest request;
        request.prompt_tokens = g.prompt;
        request.media = g.media;
        request.max_tokens = max_tokens;
        request.stop = g.options.stop;
        request.sampling = g.options.sampling;
        if (request.sampling.seed && choice > 0) {
            *request.sampling.seed += choice;  // n seeded choices must not all be the same text
        }
        request.logprobs = g.options.logprobs;
        request.top_logprobs = g.options.top_logprobs;
        request.preserved_tokens = g.preserved_tokens;
        request.cache_prompt = g.options.cache_prompt;
        request.speculation = g.options.speculation;
        request.draft_max = g.options.draft_max;
        request.choice = choice;
        request.cancel = state.cancel;
        request.events = state.events;
        if (auto submitted = g.model->scheduler().submit(std::move(request)); !submitted) {
            state.cancel.cancel();  // choices already queued stop at their next step
            return submitted.error();
        }
    }
    return state;
}

// Feeds one event to the formatter; returns the text to send (streaming) and sets `error` on an ErrorEvent.
template <typename Formatter>
std::string feed(Formatter& formatter, const core::GenerationEvent& event, std::optional<Error>& error) {
    if (const auto* token = std::get_if<core::TokenEvent>(&event)) {
        if (!token->tokens.empty()) {
            note_token(token->choice);
        }
        return formatter.on_token(*token);
    }
    if (const auto* finish = std::get_if<core::FinishEvent>(&event)) {
        note_finish(*finish);
        return formatter.on_finish(*finish);
    }
    error = std::get<core::ErrorEvent>(event).error;
    return {};
}

// An error in the formatter's API's own shape when it has one (Anthropic's), OpenAI's otherwise.
template <typename Formatter>
http::HttpResponse failure(const Formatter& formatter, const Error& error) {
    http::HttpResponse response = error_response(error);
    if constexpr (requires { formatter.error_body(error); }) {
        response.body = formatter.error_body(error);
    }
    return response;
}

template <typename Formatter>
std::string stream_failure(const Formatter& formatter, const Error& error) {
    if constexpr (requires { formatter.stream_error(error); }) {
        return formatter.stream_error(error);
    } else {
        return api::sse_error(error);
    }
}

template <typename Formatter>
http::HttpResponse run_whole(RunState state, Formatter& formatter, const http::HttpRequest& request) {
    std::optional<Error> error;
    std::optional<core::GenerationEvent> event;
    while (!formatter.all_finished() && !error) {
        if (request.client_gone()) {
            state.cancel.cancel();  // nobody will read the answer: free its slots within one step
            return failure(formatter, make_error(ErrorCode::CANCELLED, "the client closed the connection"));
        }
        if (state.events->pop(event, 100ms) == PopStatus::OK) {
            feed(formatter, *event, error);
        }
    }
    if (error) {
        state.cancel.cancel();
        return failure(formatter, *error);
    }
    http::HttpResponse response;
    response.body = formatter.body();
    return response;
}

template <typename Formatter>
void produce_stream(const RunState& state, Formatter& formatter, http::StreamWriter& out) {
    std::optional<Error> error;
    std::optional<core::GenerationEvent> event;
    while (!formatter.all_finished()) {
        if (out.disconnected()) {
            state.cancel.cancel();  // the client left: free its slots within one step
            return;
        }
        if (state.events->pop(event, 100ms) != PopStatus::OK) {
            continue;
        }
        const std::string text = feed(formatter, *event, error);
        if (error) {
            state.cancel.cancel();
            out.write(stream_failure(formatter, *error));
            return;
        }
        if (!text.empty() && !out.write(text)) {
            state.cancel.cancel();
            return;
        }
    }
    out.write(formatter.stream_end());
}

}  // namespace

Result<void> bound_by_context(PreparedGeneration& g) {
    const auto& engine = g.model->engine();
    const int32_t n_ctx = engine.n_ctx_per_slot();
    const auto n_prompt = static_cast<int32_t>(g.prompt.size());
    if (n_prompt == 0) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "The prompt is empty", "prompt");
    }
    if (g.options.speculation == core::Speculation::DRAFT_MODEL && !g.model->has_draft()) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "The model '" + g.options.model + "' has no draft model (its option draft_model)",
                          "speculative.type");
    }
    if (n_prompt >= n_ctx) {
        return make_error(ErrorCode::CONTEXT_LENGTH_EXCEEDED,
                          "This model's maximum context length is " + std::to_string(n_ctx) +
                              " tokens. However, your prompt has " + std::to_string(n_prompt) + " tokens.",
                          "messages");
    }
    // In 64 bits: max_tokens may be as large as INT32_MAX, and the sum must not wrap below the context.
    const int64_t requested = int64_t{n_prompt} + g.options.max_tokens.value_or(0);
    if (g.options.max_tokens && requested > n_ctx) {
        return make_error(ErrorCode::CONTEXT_LENGTH_EXCEEDED,
                          "This model's maximum context length is " + std::to_string(n_ctx) +
                              " tokens. However, you requested " + std::to_string(requested) + " tokens (" +
                              std::to_string(n_prompt) + " in the prompt, " + std::to_string(*g.options.max_tokens) +
                              " for the completion).",
                          "max_tokens");
    }
    if (!g.options.max_tokens) {
        g.options.max_tokens = n_ctx - n_prompt;
    }
    for (const auto& [token, bias] : g.options.sampling.logit_bias) {
        if (token < 0 || token >= engine.n_vocab()) {
            return make_error(ErrorCode::INVALID_ARGUMENT,
                              "logit_bias token " + std::to_string(token) + " is outside the vocabulary (" +
                                  std::to_string(engine.n_vocab()) + " tokens)",
                              "logit_bias");
        }
    }
    return {};
}

template <typename Formatter>
http::HttpResponse run_generation(PreparedGeneration generation, std::shared_ptr<Formatter> formatter,
                                  const http::HttpRequest& request) {
    auto submitted = submit_choices(generation);
    if (!submitted) {
        http::HttpResponse response = failure(*formatter, submitted.error());
        if (submitted.error().code == ErrorCode::OVERLOADED) {
            response.headers.push_back({"Retry-After", "1"});
        }
        return response;
    }
    RunState state = std::move(submitted).value();
    if (!generation.options.stream) {
        return run_whole(std::move(state), *formatter, request);
    }
    http::HttpResponse response;
    response.content_type = std::string(api::SSE_CONTENT_TYPE);
    response.headers.push_back({"Cache-Control", "no-cache"});
    response.stream = [state = std::move(state), formatter](http::StreamWriter& out) {
        produce_stream(state, *formatter, out);
    };
    return response;
}

template http::HttpResponse run_generation(PreparedGeneration, std::shared_ptr<api::ChatCompletionFormatter>,
                                           const http::HttpRequest&);
template http::HttpResponse run_generation(PreparedGeneration, std::shared_ptr<api::TextCompletionFormatter>,
                                           const http::HttpRequest&);
template http::HttpResponse run_generation(PreparedGeneration, std::shared_ptr<api::MessagesFormatter>,
                                           const http::HttpRequest&);
template http::HttpResponse run_generation(PreparedGeneration, std::shared_ptr<api::ResponsesFormatter>,
                                           const http::HttpRequest&);

}  // namespace hearth::server
