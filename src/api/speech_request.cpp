#include "api/speech_request.h"

#include "api/json_body.h"
#include "api/request_fields.h"

namespace hearth::api {

using nlohmann::json;

namespace {

Error invalid(std::string message, std::string param) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message), std::move(param));
}

size_t code_points(std::string_view text) {
    size_t n = 0;
    for (const char c : text) {
        n += static_cast<size_t>((static_cast<unsigned char>(c) & 0xC0U) != 0x80U);
    }
    return n;
}

// A voice is a name, or an object naming one ({"id": "..."}, OpenAI's custom-voice form).
Result<std::string> read_voice(const json* voice) {
    if (voice == nullptr) {
        return std::string();
    }
    if (voice->is_string()) {
        return voice->get<std::string>();
    }
    if (voice->is_object()) {
        const auto id = voice->find("id");
        if (id != voice->end() && id->is_string()) {
            return id->get<std::string>();
        }
        return invalid("'voice' as an object must have a string 'id'", "voice.id");
    }
    return invalid("'voice' must be a string or an object with an 'id'", "voice");
}

Result<void> read_formats(FieldReader& reader, core::SpeechRequest& out) {
    if (const auto format = reader.string("response_format")) {
        const auto parsed = core::parse_audio_format(*format);
        if (!parsed) {
            return invalid("Unknown response_format '" + *format + "'; use mp3, opus, aac, flac, wav or pcm",
                           "response_format");
        }
        out.format = *parsed;
    }
    if (const auto stream = reader.string("stream_format")) {
        if (*stream != "audio" && *stream != "sse") {
            return invalid("Unknown stream_format '" + *stream + "'; use audio or sse", "stream_format");
        }
        out.sse = *stream == "sse";
    }
    return {};
}

Result<void> read_numbers(FieldReader& reader, core::SpeechRequest& out) {
    const auto speed = reader.number("speed");
    if (auto ok = check_range(speed, 0.25, 4.0, "speed"); !ok) {
        return ok.error();
    }
    out.speed = speed.value_or(1.0);
    const auto temperature = reader.number("temperature");
    if (auto ok = check_range(temperature, 0.0, 2.0, "temperature"); !ok) {
        return ok.error();
    }
    if (temperature) {
        out.temperature = static_cast<float>(*temperature);
    }
    if (const auto seed = reader.integer("seed"); seed && *seed >= 0) {
        out.seed = static_cast<uint32_t>(static_cast<uint64_t>(*seed) & 0xFFFFFFFFU);
    }
    return {};
}

}  // namespace

Result<core::SpeechRequest> parse_speech_request(std::string_view body) {
    auto object = parse_json_object(body);
    if (!object) {
        return object.error();
    }
    FieldReader reader(*object);
    core::SpeechRequest out;
    out.model = reader.string("model").value_or("");
    out.input = reader.string("input").value_or("");
    out.instructions = reader.string("instructions").value_or("");
    auto voice = read_voice(reader.find("voice"));
    if (!voice) {
        return voice.error();
    }
    out.voice = std::move(*voice);
    for (auto* step : {&read_formats, &read_numbers}) {
        if (auto ok = step(reader, out); !ok) {
            return ok.error();
        }
    }
    if (!reader.ok()) {
        return reader.error();
    }
    if (out.model.empty()) {
        return invalid("'model' is required", "model");
    }
    if (out.input.empty()) {
        return invalid("'input' is required and must not be empty", "input");
    }
    if (const size_t n = code_points(out.input); n > MAX_SPEECH_INPUT_CHARS) {
        return invalid(
            "'input' is " + std::to_string(n) + " characters; the limit is " + std::to_string(MAX_SPEECH_INPUT_CHARS),
            "input");
    }
    return out;
}

}  // namespace hearth::api
