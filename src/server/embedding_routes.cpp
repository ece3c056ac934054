#include "server/embedding_routes.h"

#include <chrono>

#include "api/embeddings_request.h"
#include "api/embeddings_response.h"
#include "server/reply.h"

namespace hearth::server {

namespace {

using namespace std::chrono_literals;
using Inputs = std::vector<std::vector<int32_t>>;

// Inputs beyond the model's context are refused with the counts (never cut silently) unless the client asked
// for truncation.
Result<void> bound_input(std::vector<int32_t>& tokens, int32_t n_ctx, bool truncate, const std::string& what,
                         const std::string& param) {
    if (static_cast<int64_t>(tokens.size()) <= n_ctx) {
        return {};
    }
    if (truncate) {
        tokens.resize(static_cast<size_t>(n_ctx));
        return {};
    }
    return make_error(ErrorCode::CONTEXT_LENGTH_EXCEEDED,
                      what + " has " + std::to_string(tokens.size()) + " tokens, more than the model's context of " +
                          std::to_string(n_ctx) + " tokens (set \"truncate\": true to cut it)",
                      param);
}

Result<Inputs> tokenize_inputs(const engine::LlamaEmbeddingEngine& engine, const api::EmbeddingsParams& params) {
    Inputs out;
    out.reserve(params.inputs.size());
    for (size_t i = 0; i < params.inputs.size(); ++i) {
        const std::string what = params.inputs.size() == 1 ? "the input" : "input " + std::to_string(i);
        Result<std::vector<int32_t>> tokens = std::vector<int32_t>{};
        if (const auto* text = std::get_if<std::string>(&params.inputs[i])) {
            tokens = engine.tokenize(*text);
        } else {
            tokens = std::get<std::vector<int32_t>>(params.inputs[i]);
            for (int32_t id : *tokens) {
                if (id >= engine.n_vocab()) {
                    return make_error(ErrorCode::INVALID_ARGUMENT,
                                      "token id " + std::to_string(id) + " in " + what +
                                          " is outside the vocabulary (" + std::to_string(engine.n_vocab()) +
                                          " tokens)",
                                      "input");
                }
            }
        }
        if (!tokens) {
            return tokens.error();
        }
        if (tokens->empty()) {
            return make_error(ErrorCode::INVALID_ARGUMENT, what + " has no tokens", "input");
        }
        if (auto bounded = bound_input(*tokens, engine.n_ctx(), params.truncate, what, "input"); !bounded) {
            return bounded.error();
        }
        out.push_back(std::move(tokens).value());
    }
    return out;
}

Result<Inputs> rerank_inputs(const engine::LlamaEmbeddingEngine& engine, const api::RerankParams& params) {
    Inputs out;
    out.reserve(params.documents.size());
    for (size_t i = 0; i < params.documents.size(); ++i) {
        auto tokens = engine.rerank_tokens(params.query, params.documents[i]);
        if (!tokens) {
            return tokens.error();
        }
        const std::string what = "the query with document " + std::to_string(i);
        if (auto bounded = bound_input(*tokens, engine.n_ctx(), params.truncate, what, "documents"); !bounded) {
            return bounded.error();
        }
        out.push_back(std::move(tokens).value());
    }
    return out;
}

int32_t count_tokens(const Inputs& inputs) {
    int64_t n = 0;
    for (const auto& input : inputs) {
        n += static_cast<int64_t>(input.size());
    }
    return static_cast<int32_t>(std::min<int64_t>(n, INT32_MAX));
}

// Submits the inputs to the model's batcher and waits for their outputs; a client that goes away cancels them.
Result<core::EmbeddingOutput> run_job(registry::EmbeddingModel& model, Inputs inputs, const http::HttpRequest& req) {
    core::EmbeddingJob job;
    job.inputs = std::move(inputs);
    job.done = std::make_shared<core::EmbeddingChannel>(1);
    const CancelToken cancel = job.cancel;
    const std::shared_ptr<core::EmbeddingChannel> done = job.done;
    if (auto submitted = model.scheduler().submit(std::move(job)); !submitted) {
        return submitted.error();
    }
    std::optional<core::EmbeddingOutcome> outcome;
    while (done->pop(outcome, 100ms) != PopStatus::OK) {
        if (req.client_gone()) {
            cancel.cancel();  // nobody will read the answer: the batcher drops the inputs not yet run
            return make_error(ErrorCode::CANCELLED, "the client closed the connection");
        }
    }
    return std::move(*outcome);
}

}  // namespace

http::HttpResponse post_embeddings(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&) {
    auto params = api::embeddings_params_from_body(req.body, ctx.embedding_limits);
    if (!params) {
        return error_response(params.error());
    }
    auto model = ctx.registry.acquire_embedding(params->model, core::ModelKind::EMBEDDING);
    if (!model) {
        return error_response(model.error());
    }
    const engine::LlamaEmbeddingEngine& engine = (*model)->engine();
    if (params->dimensions && *params->dimensions > engine.n_out()) {
        return error_response(make_error(ErrorCode::INVALID_ARGUMENT,
                                         "'dimensions' is " + std::to_string(*params->dimensions) +
                                             ", larger than the model's " + std::to_string(engine.n_out()),
                                         "dimensions"));
    }
    auto inputs = tokenize_inputs(engine, *params);
    if (!inputs) {
        return error_response(inputs.error());
    }
    const int32_t prompt_tokens = count_tokens(*inputs);
    auto output = run_job(**model, std::move(inputs).value(), req);
    if (!output) {
        return error_response(output.error());
    }
    std::vector<std::vector<float>> vectors;
    vectors.reserve(output->vectors.size());
    for (std::vector<float>& pooled : output->vectors) {
        vectors.push_back(api::finish_embedding(std::move(pooled), params->dimensions, params->normalize));
    }
    return to_http(api::embeddings_reply(params->model, vectors, params->base64, prompt_tokens));
}

http::HttpResponse post_rerank(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&) {
    auto params = api::rerank_params_from_body(req.body, ctx.embedding_limits);
    if (!params) {
        return error_response(params.error());
    }
    auto model = ctx.registry.acquire_embedding(params->model, core::ModelKind::RERANK);
    if (!model) {
        return error_response(model.error());
    }
    auto inputs = rerank_inputs((*model)->engine(), *params);
    if (!inputs) {
        return error_response(inputs.error());
    }
    const int32_t prompt_tokens = count_tokens(*inputs);
    auto output = run_job(**model, std::move(inputs).value(), req);
    if (!output) {
        return error_response(output.error());
    }
    std::vector<float> scores;
    scores.reserve(output->vectors.size());
    for (const std::vector<float>& pooled : output->vectors) {
        scores.push_back(pooled.empty() ? 0.0f : pooled.front());
    }
    return to_http(api::rerank_reply(*params, scores, prompt_tokens));
}

}  // namespace hearth::server
