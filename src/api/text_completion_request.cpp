// The /v1/completions half of completions_request.h: the prompt in its four OpenAI forms, echo, suffix,
// integer logprobs and best_of.

#include <limits>

#include "api/completions_request.h"
#include "api/json_body.h"
#include "api/request_fields.h"

namespace hearth::api {

using nlohmann::json;

namespace {

constexpr std::string_view PROMPT_SHAPE =
    "'prompt' must be a string, an array of strings, an array of token ids or an array of token-id arrays";

Error invalid(std::string message, std::string param) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message), std::move(param));
}

Error one_prompt_only(size_t count) {
    return make_error(
        ErrorCode::UNSUPPORTED,
        "only one prompt per request is supported, got " + std::to_string(count) + ": send one request per prompt",
        "prompt");
}

Result<std::vector<int32_t>> token_ids(const json& array, const std::string& path) {
    std::vector<int32_t> tokens;
    tokens.reserve(array.size());
    for (size_t i = 0; i < array.size(); ++i) {
        const json& item = array[i];
        if (!item.is_number_integer()) {
            return invalid(std::string(PROMPT_SHAPE), path);
        }
        const bool in_range = item.is_number_unsigned() ? item.get<uint64_t>() <= INT32_MAX
                                                        : item.get<int64_t>() >= 0 && item.get<int64_t>() <= INT32_MAX;
        if (!in_range) {
            return invalid("token ids must be non-negative 32-bit integers, got " + item.dump(),
                           element_param(path, i));
        }
        tokens.push_back(static_cast<int32_t>(item.get<int64_t>()));
    }
    return tokens;
}

// An array prompt: all strings (one prompt), all ids (one tokenized prompt) or all arrays of ids (one
// tokenized prompt each). [] is an empty tokenized prompt.
Result<CompletionPrompt> array_prompt(const json& array) {
    if (array.empty()) {
        return CompletionPrompt{std::vector<int32_t>{}};
    }
    const json& first = array.front();
    if (first.is_string()) {
        for (const json& item : array) {
            if (!item.is_string()) {
                return invalid(std::string(PROMPT_SHAPE), "prompt");
            }
        }
        if (array.size() > 1) {
            return one_prompt_only(array.size());
        }
        return CompletionPrompt{first.get<std::string>()};
    }
    if (first.is_array()) {
        for (const json& item : array) {
            if (!item.is_array()) {
                return invalid(std::string(PROMPT_SHAPE), "prompt");
            }
        }
        if (array.size() > 1) {
            return one_prompt_only(array.size());
        }
        Result<std::vector<int32_t>> tokens = token_ids(first, "prompt[0]");
        if (!tokens) {
            return tokens.error();
        }
        return CompletionPrompt{std::move(*tokens)};
    }
    Result<std::vector<int32_t>> tokens = token_ids(array, "prompt");
    if (!tokens) {
        return tokens.error();
    }
    return CompletionPrompt{std::move(*tokens)};
}

// "prompt" is required; null is OpenAI's "no prompt": generate as from the start of a new document.
Result<CompletionPrompt> parse_prompt(const json& body) {
    const auto it = body.find("prompt");
    if (it == body.end()) {
        return invalid("'prompt' is required", "prompt");
    }
    if (it->is_null()) {
        return CompletionPrompt{std::string()};
    }
    if (it->is_string()) {
        return CompletionPrompt{it->get<std::string>()};
    }
    if (it->is_array()) {
        return array_prompt(*it);
    }
    return invalid(std::string(PROMPT_SHAPE) + ", got " + it->type_name(), "prompt");
}

Result<void> check_completion_fields(const CompletionRequest& request, uint32_t n) {
    if (request.suffix && !request.suffix->empty()) {
        return make_error(ErrorCode::UNSUPPORTED, "'suffix' (insertion) is not supported", "suffix");
    }
    if (request.logprobs && (*request.logprobs < 0 || *request.logprobs > MAX_TOP_LOGPROBS)) {
        return invalid("'logprobs' must be between 0 and 20, got " + std::to_string(*request.logprobs), "logprobs");
    }
    // Echoed prompt tokens would need their own logprobs, which the engine does not compute.
    if (request.echo.value_or(false) && request.logprobs) {
        return make_error(ErrorCode::UNSUPPORTED, "'echo' together with 'logprobs' is not supported", "echo");
    }
    if (request.best_of) {
        if (*request.best_of < static_cast<int64_t>(n)) {
            return invalid(
                "'best_of' must be at least 'n' (" + std::to_string(n) + "), got " + std::to_string(*request.best_of),
                "best_of");
        }
        if (*request.best_of > static_cast<int64_t>(n)) {
            return make_error(ErrorCode::UNSUPPORTED, "'best_of' greater than 'n' is not supported", "best_of");
        }
    }
    return {};
}

}  // namespace

Result<CompletionRequest> parse_completion_request(std::string_view body) {
    Result<json> parsed = parse_json_object(body);
    if (!parsed) {
        return parsed.error();
    }
    FieldReader reader(*parsed);
    CompletionRequest request;
    read_common_fields(reader, request.common);
    if (!reader.ok()) {
        return reader.error();
    }
    Result<CompletionPrompt> prompt = parse_prompt(*parsed);
    if (!prompt) {
        return prompt.error();
    }
    request.prompt = std::move(*prompt);
    request.echo = reader.boolean("echo");
    request.suffix = reader.string("suffix");
    request.logprobs = reader.integer("logprobs");
    request.best_of = reader.integer("best_of");
    if (!reader.ok()) {
        return reader.error();
    }
    return request;
}

Result<CompletionParams> resolve_completion_params(const CompletionRequest& request, const RequestLimits& limits) {
    Result<GenerationOptions> options = resolve_common_fields(request.common, limits);
    if (!options) {
        return options.error();
    }
    if (auto checked = check_completion_fields(request, options->n); !checked) {
        return checked.error();
    }
    Result<std::optional<int32_t>> max_tokens = resolve_max_tokens(request.common.max_tokens, "max_tokens");
    if (!max_tokens) {
        return max_tokens.error();
    }
    options->max_tokens = max_tokens->value_or(DEFAULT_COMPLETION_MAX_TOKENS);
    // The legacy API's integer logprobs is the number of alternatives; any value asks for the chosen token's.
    options->logprobs = request.logprobs.has_value();
    options->top_logprobs = static_cast<int32_t>(request.logprobs.value_or(0));
    return CompletionParams{std::move(*options), request.prompt, request.echo.value_or(false)};
}

Result<CompletionParams> completion_params_from_body(std::string_view body, const RequestLimits& limits) {
    Result<CompletionRequest> request = parse_completion_request(body);
    if (!request) {
        return request.error();
    }
    return resolve_completion_params(*request, limits);
}

}  // namespace hearth::api
