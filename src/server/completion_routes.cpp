#include "server/completion_routes.h"

#include "api/completions_response.h"
#include "server/chat_preparation.h"
#include "server/generation_runner.h"
#include "server/reply.h"
#include "server/request_record.h"

namespace hearth::server {

namespace {

Result<std::vector<int32_t>> check_token_ids(const engine::LlamaTextEngine& engine, std::vector<int32_t> ids) {
    for (int32_t id : ids) {
        if (id < 0 || id >= engine.n_vocab()) {
            return make_error(ErrorCode::INVALID_ARGUMENT,
                              "prompt token " + std::to_string(id) + " is outside the vocabulary (" +
                                  std::to_string(engine.n_vocab()) + " tokens)",
                              "prompt");
        }
    }
    return ids;
}

std::string detokenize(const engine::LlamaTextEngine& engine, const std::vector<int32_t>& ids) {
    std::string text;
    for (int32_t id : ids) {
        text += engine.token_to_piece(id);
    }
    return text;
}

// Parses the body and acquires its model (loading it on first use); an error response on failure.
template <typename Params>
Result<std::pair<Params, std::shared_ptr<registry::TextModel>>> parse_and_acquire(RouteContext& ctx,
                                                                                  Result<Params> params) {
    if (!params) {
        return params.error();
    }
    auto model = ctx.registry.acquire_text(params->options.model);
    if (!model) {
        return model.error();
    }
    note_model(params->options.model);
    return std::make_pair(std::move(params).value(), std::move(model).value());
}

}  // namespace

Result<ChatGeneration> prepare_chat_generation(RouteContext& ctx, const api::ChatParams& params) {
    auto model = ctx.registry.acquire_text(params.options.model);
    if (!model) {
        return model.error();
    }
    note_model(params.options.model);
    auto& engine = (*model)->engine();
    if (!engine.has_chat_template()) {
        return make_error(
            ErrorCode::INVALID_ARGUMENT,
            "The model '" + params.options.model + "' has no chat template: use /v1/completions with a plain prompt",
            "model");
    }
    // Refused before any image is fetched: a text model cannot use them.
    if (auto vision = check_vision(engine, params); !vision) {
        return vision.error();
    }
    auto images = resolve_media(params.messages, ctx.media);
    if (!images) {
        return images.error();
    }
    auto chat = prepare_chat(engine, params, *images);
    if (!chat) {
        return chat.error();
    }
    ChatGeneration out{
        {*model, std::move(chat->prompt), params.options, std::move(chat->preserved_tokens), std::move(chat->media)},
        std::move(chat->parsers)};
    out.generation.options.sampling.grammar = std::move(chat->grammar);
    // The template's own end markers (beyond the vocabulary's end-of-generation tokens) end the turn too.
    for (std::string& stop : chat->additional_stops) {
        out.generation.options.stop.push_back(std::move(stop));
    }
    if (auto bounded = bound_by_context(out.generation); !bounded) {
        return bounded.error();
    }
    return out;
}

http::HttpResponse post_chat_completions(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&) {
    auto params = api::chat_params_from_body(req.body, chat_request_limits(ctx.media));
    if (!params) {
        return error_response(params.error());
    }
    auto chat = prepare_chat_generation(ctx, *params);
    if (!chat) {
        return error_response(chat.error());
    }
    auto formatter = std::make_shared<api::ChatCompletionFormatter>(
        api::make_response_options(chat->generation.options, "chatcmpl"), std::move(chat->parsers));
    return run_generation(std::move(chat->generation), formatter, req);
}

http::HttpResponse post_completions(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&) {
    auto request = parse_and_acquire(ctx, api::completion_params_from_body(req.body));
    if (!request) {
        return error_response(request.error());
    }
    auto& [params, model] = *request;
    auto& engine = model->engine();
    std::string prompt_text;
    Result<std::vector<int32_t>> prompt = std::vector<int32_t>{};
    if (const auto* text = std::get_if<std::string>(&params.prompt)) {
        prompt_text = *text;
        prompt = engine.tokenize(*text, true, true);
    } else {
        prompt = check_token_ids(engine, std::get<std::vector<int32_t>>(params.prompt));
        prompt_text = prompt ? detokenize(engine, *prompt) : "";
    }
    if (!prompt) {
        return error_response(prompt.error());
    }
    PreparedGeneration generation{model, std::move(prompt).value(), params.options, {}, {}};
    if (auto bounded = bound_by_context(generation); !bounded) {
        return error_response(bounded.error());
    }
    api::ResponseOptions options = api::make_response_options(generation.options, "cmpl");
    options.echo = params.echo;
    options.prompt_text = prompt_text;
    auto formatter = std::make_shared<api::TextCompletionFormatter>(std::move(options));
    return run_generation(std::move(generation), formatter, req);
}

}  // namespace hearth::server
