#include "api/request_fields.h"

#include <charconv>
#include <limits>
#include <string>

namespace hearth::api {

using nlohmann::json;

namespace {

constexpr double MAX_LOGIT_BIAS = 100.0;
constexpr int64_t RANDOM_SEED = -1;  // llama.cpp's convention for "pick one", kept for its clients

Error invalid(std::string message, std::string_view param) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message), std::string(param));
}

// "stop": a string, or an array of up to 4 strings; empty strings could never be matched meaningfully.
void read_stop(FieldReader& reader, CommonRequestFields& out) {
    const json* value = reader.find("stop");
    if (value == nullptr) {
        return;
    }
    std::vector<std::string> stop;
    if (value->is_string()) {
        stop.push_back(value->get<std::string>());
    } else if (value->is_array()) {
        if (value->size() > MAX_STOP_SEQUENCES) {
            reader.fail(invalid("'stop' takes at most " + std::to_string(MAX_STOP_SEQUENCES) + " sequences, got " +
                                    std::to_string(value->size()),
                                "stop"));
            return;
        }
        for (const json& item : *value) {
            if (!item.is_string()) {
                reader.fail(invalid("invalid type for 'stop': expected a string or an array of strings", "stop"));
                return;
            }
            stop.push_back(item.get<std::string>());
        }
    } else {
        reader.fail_type("stop", "a string or an array of strings");
        return;
    }
    for (const std::string& s : stop) {
        if (s.empty()) {
            reader.fail(invalid("'stop' sequences must not be empty", "stop"));
            return;
        }
    }
    out.stop = std::move(stop);
}

std::optional<int32_t> parse_token_id(std::string_view text) {
    int64_t id = -1;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty() || id < 0 ||
        id > std::numeric_limits<int32_t>::max()) {
        return std::nullopt;
    }
    return static_cast<int32_t>(id);
}

// "logit_bias": {"<token id>": bias in [-100, 100]}. Whether an id exists is the server's check (vocabulary).
void read_logit_bias(FieldReader& reader, CommonRequestFields& out) {
    const json* value = reader.find("logit_bias");
    if (value == nullptr) {
        return;
    }
    if (!value->is_object()) {
        reader.fail_type("logit_bias", "an object of token id to bias");
        return;
    }
    for (const auto& [key, bias] : value->items()) {
        const std::optional<int32_t> token = parse_token_id(key);
        if (!token) {
            reader.fail(invalid("'logit_bias' keys must be token ids (non-negative integers), got '" + key + "'",
                                "logit_bias"));
            return;
        }
        if (!bias.is_number()) {
            reader.fail(invalid(
                std::string("'logit_bias' values must be numbers, got ") + bias.type_name() + " for token " + key,
                "logit_bias"));
            return;
        }
        const double b = bias.get<double>();
        if (b < -MAX_LOGIT_BIAS || b > MAX_LOGIT_BIAS) {
            reader.fail(
                invalid("'logit_bias' values must be between -100 and 100, got " + describe(b) + " for token " + key,
                        "logit_bias"));
            return;
        }
        out.logit_bias.emplace_back(*token, static_cast<float>(b));
    }
}

void read_stream_options(FieldReader& reader, CommonRequestFields& out) {
    const json* value = reader.find("stream_options");
    if (value == nullptr) {
        return;
    }
    if (!value->is_object()) {
        reader.fail_type("stream_options", "an object");
        return;
    }
    FieldReader options(*value, "stream_options");
    out.include_usage = options.boolean("include_usage");
    if (!options.ok()) {
        reader.fail(options.error());
    }
}

constexpr int64_t MAX_DRAFT = 64;

std::optional<core::Speculation> speculation_named(const std::string& name) {
    if (name == "draft_model") {
        return core::Speculation::DRAFT_MODEL;
    }
    if (name == "prompt_lookup") {
        return core::Speculation::PROMPT_LOOKUP;
    }
    if (name == "none") {
        return core::Speculation::NONE;
    }
    return std::nullopt;
}

// "speculative": {"type": "draft_model" | "prompt_lookup" | "none", "n_max": 1..64}, both optional.
void read_speculative(FieldReader& reader, CommonRequestFields& out) {
    const json* value = reader.find("speculative");
    if (value == nullptr) {
        return;
    }
    if (!value->is_object()) {
        reader.fail_type("speculative", "an object");
        return;
    }
    FieldReader fields(*value, "speculative");
    const std::optional<std::string> type = fields.string("type");
    const std::optional<int64_t> n_max = fields.integer("n_max");
    const auto kind = speculation_named(type.value_or(""));
    if (!fields.ok()) {
        reader.fail(fields.error());
    } else if (type && !kind) {
        reader.fail(
            invalid("'speculative.type' must be \"draft_model\", \"prompt_lookup\" or \"none\", got \"" + *type + "\"",
                    "speculative.type"));
    } else if (n_max && (*n_max < 1 || *n_max > MAX_DRAFT)) {
        reader.fail(invalid("'speculative.n_max' must be between 1 and " + std::to_string(MAX_DRAFT) + ", got " +
                                std::to_string(*n_max),
                            "speculative.n_max"));
    } else {
        out.speculation = type ? *kind : core::Speculation::MODEL_DEFAULT;
        out.draft_max = n_max;
    }
}

// A client's seed to the engine's 32 bits: -1 asks for a random one; larger seeds are folded, not refused,
// because Python clients commonly draw them from 64 bits.
std::optional<uint32_t> resolve_seed(std::optional<int64_t> seed) {
    if (!seed || *seed == RANDOM_SEED) {
        return std::nullopt;
    }
    const auto bits = static_cast<uint64_t>(*seed);
    return static_cast<uint32_t>(bits ^ (bits >> 32));
}

Result<void> check_sampling_ranges(const CommonRequestFields& f) {
    for (auto check :
         {check_range(f.temperature, 0.0, 2.0, "temperature"), check_range(f.top_p, 0.0, 1.0, "top_p", true),
          check_range(f.min_p, 0.0, 1.0, "min_p"), check_range(f.presence_penalty, -2.0, 2.0, "presence_penalty"),
          check_range(f.frequency_penalty, -2.0, 2.0, "frequency_penalty"),
          check_range(f.repeat_penalty, 0.0, std::numeric_limits<double>::max(), "repeat_penalty", true)}) {
        if (!check) {
            return check.error();
        }
    }
    if (f.top_k && *f.top_k < 0) {
        return invalid("'top_k' must be >= 0 (0 turns it off), got " + std::to_string(*f.top_k), "top_k");
    }
    return {};
}

}  // namespace

std::string describe(double value) {
    return json(value).dump();
}

Result<void> check_range(std::optional<double> value, double low, double high, std::string_view param, bool low_open) {
    if (!value) {
        return {};
    }
    const bool below = low_open ? *value <= low : *value < low;
    if (below || *value > high) {
        const std::string bounds =
            high == std::numeric_limits<double>::max()
                ? (low_open ? "> " : ">= ") + describe(low)
                : "between " + describe(low) + (low_open ? " (exclusive)" : "") + " and " + describe(high);
        return invalid("'" + std::string(param) + "' must be " + bounds + ", got " + describe(*value), param);
    }
    return {};
}

void read_common_fields(FieldReader& reader, CommonRequestFields& out) {
    const std::optional<std::string> model = reader.string("model");
    if (reader.ok() && (!model || model->empty())) {
        reader.fail(invalid("'model' is required", "model"));
    }
    out.model = model.value_or("");
    out.max_tokens = reader.integer("max_tokens");
    out.temperature = reader.number("temperature");
    out.top_p = reader.number("top_p");
    out.top_k = reader.integer("top_k");
    out.min_p = reader.number("min_p");
    out.seed = reader.integer("seed");
    read_stop(reader, out);
    out.presence_penalty = reader.number("presence_penalty");
    out.frequency_penalty = reader.number("frequency_penalty");
    out.repeat_penalty = reader.number("repeat_penalty");
    read_logit_bias(reader, out);
    out.n = reader.integer("n");
    out.stream = reader.boolean("stream");
    read_stream_options(reader, out);
    out.ignore_eos = reader.boolean("ignore_eos");
    out.cache_prompt = reader.boolean("cache_prompt");
    out.user = reader.string("user");
    read_speculative(reader, out);
}

Result<GenerationOptions> resolve_common_fields(const CommonRequestFields& f, const RequestLimits& limits) {
    if (auto ranges = check_sampling_ranges(f); !ranges) {
        return ranges.error();
    }
    const int64_t n = f.n.value_or(1);
    if (n < 1 || n > static_cast<int64_t>(limits.max_n)) {
        return invalid("'n' must be between 1 and " + std::to_string(limits.max_n) + ", got " + std::to_string(n), "n");
    }
    GenerationOptions out;
    out.model = f.model;
    core::SamplingParams& s = out.sampling;
    s.temperature = static_cast<float>(f.temperature.value_or(s.temperature));
    s.top_p = static_cast<float>(f.top_p.value_or(s.top_p));
    s.top_k = static_cast<int32_t>(std::min<int64_t>(f.top_k.value_or(s.top_k), std::numeric_limits<int32_t>::max()));
    s.min_p = static_cast<float>(f.min_p.value_or(s.min_p));
    s.seed = resolve_seed(f.seed);
    s.presence_penalty = static_cast<float>(f.presence_penalty.value_or(s.presence_penalty));
    s.frequency_penalty = static_cast<float>(f.frequency_penalty.value_or(s.frequency_penalty));
    s.repeat_penalty = static_cast<float>(f.repeat_penalty.value_or(s.repeat_penalty));
    s.logit_bias = f.logit_bias;
    s.ignore_eos = f.ignore_eos.value_or(false);
    out.stop = f.stop.value_or(std::vector<std::string>{});
    out.n = static_cast<uint32_t>(n);
    out.stream = f.stream.value_or(false);
    // OpenAI refuses stream_options without stream; ignoring it is kinder and changes nothing.
    out.include_usage = out.stream && f.include_usage.value_or(false);
    out.cache_prompt = f.cache_prompt.value_or(true);
    out.speculation = f.speculation;
    out.draft_max = static_cast<int32_t>(f.draft_max.value_or(-1));
    return out;
}

Result<std::optional<int32_t>> resolve_max_tokens(std::optional<int64_t> value, std::string_view param) {
    if (!value) {
        return std::optional<int32_t>{};
    }
    if (*value < 1) {
        return invalid("'" + std::string(param) + "' must be at least 1, got " + std::to_string(*value), param);
    }
    return std::optional<int32_t>{static_cast<int32_t>(std::min<int64_t>(*value, std::numeric_limits<int32_t>::max()))};
}

}  // namespace hearth::api
