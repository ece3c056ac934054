#pragma once
// POST /v1/chat/completions and POST /v1/completions bodies → typed requests → what the server layer needs
// to render, tokenize and submit core::GenerationRequests. Two stages: parse_* checks JSON shapes and types
// and keeps every optional field as sent (nullopt = absent or null); resolve_* applies OpenAI's defaults and
// hearth's limits. Every client mistake is INVALID_ARGUMENT (or UNSUPPORTED) with `param` naming the field.
// Unknown fields are ignored: OpenAI clients send many we have no use for.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/chat_output.h"
#include "core/generation.h"
#include "core/sampling_params.h"
#include "util/result.h"

namespace hearth::api {

inline constexpr uint32_t DEFAULT_MAX_N = 8;
inline constexpr size_t MAX_STOP_SEQUENCES = 4;
inline constexpr int64_t MAX_TOP_LOGPROBS = 20;
inline constexpr int32_t DEFAULT_COMPLETION_MAX_TOKENS = 16;         // OpenAI's default for /v1/completions
inline constexpr size_t DEFAULT_MAX_IMAGE_BYTES = size_t{20} << 20;  // per image, decoded (OpenAI's 20 MB)
inline constexpr uint32_t DEFAULT_MAX_IMAGES = 16;                   // per request

struct RequestLimits {
    uint32_t max_n = DEFAULT_MAX_N;                    // choices per request
    size_t max_image_bytes = DEFAULT_MAX_IMAGE_BYTES;  // an inline image beyond: 413 naming its field
    uint32_t max_images = DEFAULT_MAX_IMAGES;          // images in all messages together; beyond: 400
};

// Where a media part's bytes come from: inline (a data: URL, already decoded), a remote http(s) URL, or a
// file:// URL. Fetching is the server's business (it knows whether remote media and a media dir are allowed).
enum class MediaSource { DATA, REMOTE, FILE };

// An image content part, in its place among the message's text parts.
struct MediaPart {
    size_t offset = 0;  // byte offset in ChatMessage::content where the part sits
    MediaSource source = MediaSource::DATA;
    std::string data;   // DATA: the decoded bytes; REMOTE, FILE: the URL as sent
    std::string param;  // the field it came from, for errors: "messages[0].content[1].image_url.url"
};

struct ChatMessage {
    std::string role;                        // system, developer, user, assistant or tool
    std::string content;                     // text parts concatenated; "" for an assistant message without content
    std::vector<MediaPart> media;            // image parts, in order, each at its offset in content
    std::string name;                        // optional participant name
    std::string tool_call_id;                // tool messages: the call this answers, when given
    std::string reasoning_content;           // assistant messages: earlier thinking (llama-server's extension)
    std::vector<core::ToolCall> tool_calls;  // assistant messages: the calls it made (arguments: JSON text)
};

// A function the model may call. parameters is its JSON schema as JSON text ("{}" when none was given).
struct ToolDefinition {
    std::string name;
    std::string description;
    std::string parameters;
};

enum class ToolChoiceMode { AUTO, NONE, REQUIRED, FUNCTION };

struct ToolChoice {
    ToolChoiceMode mode = ToolChoiceMode::AUTO;
    std::string function;  // FUNCTION: the tool the model must call
};

enum class ResponseFormatType { TEXT, JSON_OBJECT, JSON_SCHEMA };

struct ResponseFormat {
    ResponseFormatType type = ResponseFormatType::TEXT;
    std::string schema;  // JSON text: what the output must validate against ({"type":"object"} for json_object)
};

// The chat fields about tools, structured output and reasoning.
struct ChatToolFields {
    std::vector<ToolDefinition> tools;
    std::optional<ToolChoice> tool_choice;
    std::optional<bool> parallel_tool_calls;
    ResponseFormat response_format;
    bool extract_reasoning = true;  // reasoning_format "none" (llama-server's extension) keeps thinking in content
};

// Fields both endpoints share, as sent.
struct CommonRequestFields {
    std::string model;
    std::optional<int64_t> max_tokens;
    std::optional<double> temperature;
    std::optional<double> top_p;
    std::optional<int64_t> top_k;  // extension
    std::optional<double> min_p;   // extension
    std::optional<int64_t> seed;
    std::optional<std::vector<std::string>> stop;  // a lone string becomes one element
    std::optional<double> presence_penalty;
    std::optional<double> frequency_penalty;
    std::optional<double> repeat_penalty;               // extension
    std::vector<std::pair<int32_t, float>> logit_bias;  // keys and values already checked
    std::optional<int64_t> n;
    std::optional<bool> stream;
    std::optional<bool> include_usage;  // stream_options.include_usage
    std::optional<bool> ignore_eos;     // extension
    std::optional<bool> cache_prompt;   // extension (llama-server's): false evaluates the whole prompt afresh
    std::optional<std::string> user;    // accepted and ignored
    // extension: "speculative": {"type": "draft_model" | "prompt_lookup" | "none", "n_max": 8}; no type: the
    // model's own choice (core::Speculation::MODEL_DEFAULT).
    core::Speculation speculation = core::Speculation::MODEL_DEFAULT;
    std::optional<int64_t> draft_max;
};

struct ChatCompletionRequest {
    CommonRequestFields common;
    std::vector<ChatMessage> messages;  // never empty
    std::optional<int64_t> max_completion_tokens;
    std::optional<bool> logprobs;
    std::optional<int64_t> top_logprobs;
    std::map<std::string, std::string> chat_template_kwargs;  // values JSON-encoded: "true", "\"high\""
    ChatToolFields tool_fields;
};

// A completions prompt: text, or token ids the client tokenized itself (checked against the vocabulary by
// the server layer, which knows it).
using CompletionPrompt = std::variant<std::string, std::vector<int32_t>>;

struct CompletionRequest {
    CommonRequestFields common;
    CompletionPrompt prompt;
    std::optional<bool> echo;
    std::optional<std::string> suffix;
    std::optional<int64_t> logprobs;  // top alternatives per token, 0..20
    std::optional<int64_t> best_of;
};

// Everything a core::GenerationRequest needs besides the prompt, after defaults and limits.
struct GenerationOptions {
    std::string model;
    core::SamplingParams sampling;
    std::optional<int32_t> max_tokens;  // nullopt: until the context is full; the server bounds it either way
    std::vector<std::string> stop;
    bool logprobs = false;
    int32_t top_logprobs = 0;
    uint32_t n = 1;
    bool stream = false;
    bool include_usage = false;  // only ever true when streaming
    bool cache_prompt = true;    // reuse a cached prefix of the prompt (core::GenerationRequest)
    core::Speculation speculation = core::Speculation::MODEL_DEFAULT;  // "speculative": {"type": ...}
    int32_t draft_max = -1;                                            // "speculative": {"n_max": N}; -1: the model's
};

struct ChatParams {
    GenerationOptions options;
    std::vector<ChatMessage> messages;
    std::map<std::string, std::string> chat_template_kwargs;
    ChatToolFields tool_fields;  // tool_choice always set once resolved
};

struct CompletionParams {
    GenerationOptions options;
    CompletionPrompt prompt;
    bool echo = false;
};

Result<ChatCompletionRequest> parse_chat_completion_request(std::string_view body);
Result<CompletionRequest> parse_completion_request(std::string_view body);

Result<ChatParams> resolve_chat_params(const ChatCompletionRequest& request, const RequestLimits& limits = {});
Result<CompletionParams> resolve_completion_params(const CompletionRequest& request, const RequestLimits& limits = {});

// Both stages in one call: what the route handlers use.
Result<ChatParams> chat_params_from_body(std::string_view body, const RequestLimits& limits = {});
Result<CompletionParams> completion_params_from_body(std::string_view body, const RequestLimits& limits = {});

}  // namespace hearth::api
