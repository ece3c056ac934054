#include "server/completion_routes.h"

#include "api/completions_response.h"
#include "server/generation_runner.h"
#include "server/reply.h"
#include "server/request_record.h"

namespace hearth::server {

namespace {

// The rendered chat prompt usually spells out the BOS token itself; add it only when it does not.
Result<std::vector<int32_t>> tokenize_prompt(engine::LlamaTextEngine& engine, const std::string& text) {
    const int32_t bos = engine.bos();
    const bool has_bos_text = bos >= 0 && text.rfind(engine.token_to_piece(bos, true), 0) == 0;
    return engine.tokenize(text, !has_bos_text, true);
}

Result<std::string> render_chat(engine::LlamaTextEngine& engine, const api::ChatParams& params) {
    std::vector<engine::ChatMessage> messages;
    messages.reserve(params.messages.size());
    for (const auto& m : params.messages) {
        messages.push_back({m.role, m.content});
    }
    return engine.apply_chat_template(messages, true, params.chat_template_kwargs);
}

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

http::HttpResponse post_chat_completions(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&) {
    auto request = parse_and_acquire(ctx, api::chat_params_from_body(req.body));
    if (!request) {
        return error_response(request.error());
    }
    auto& [params, model] = *request;
    auto& engine = model->engine();
    if (!engine.has_chat_template()) {
        return error_response(make_error(
            ErrorCode::INVALID_ARGUMENT,
            "The model '" + params.options.model + "' has no chat template: use /v1/completions with a plain prompt",
            "model"));
    }
    auto text = render_chat(engine, params);
    if (!text) {
        return error_response(text.error());
    }
    auto prompt = tokenize_prompt(engine, *text);
    if (!prompt) {
        return error_response(prompt.error());
    }
    PreparedGeneration generation{model, std::move(prompt).value(), params.options};
    if (auto bounded = bound_by_context(generation); !bounded) {
        return error_response(bounded.error());
    }
    auto formatter =
        std::make_shared<api::ChatCompletionFormatter>(api::make_response_options(generation.options, "chatcmpl"));
    return run_generation(std::move(generation), formatter, req);
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
    PreparedGeneration generation{model, std::move(prompt).value(), params.options};
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
