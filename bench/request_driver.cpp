#include "bench/request_driver.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>

#include "http/sse_reader.h"
#include "util/base64.h"

namespace hearth::bench {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start, Clock::time_point end) {
    return std::chrono::duration<double, std::milli>(end - start).count();
}

// Reads server-sent events as they arrive and timestamps every event that carries text.
class StreamTimer {
public:
    StreamTimer(Endpoint endpoint, Clock::time_point start) : endpoint_(endpoint), start_(start) {}

    // False stops reading: the stream reported an error or is not a stream of JSON events.
    bool feed(std::string_view piece) {
        return reader_.feed(piece, [this](std::string_view data) { return on_event(data); });
    }

    void finish(RequestSample& sample, Clock::time_point end) {
        sample.e2e_ms = ms_since(start_, end);
        if (!error_.empty()) {
            sample.error = error_;
        } else if (!done_) {
            sample.error = "the stream ended without [DONE]";
        } else if (!first_) {
            sample.error = "the stream carried no text";
        } else {
            sample.ok = true;
        }
        sample.ttft_ms = first_ ? ms_since(start_, *first_) : 0;
        sample.itl_ms = std::move(gaps_);
        sample.input_tokens = input_tokens_;
        sample.output_tokens = output_tokens_ >= 0 ? output_tokens_ : pieces_;
    }

private:
    bool on_event(std::string_view payload) {
        if (payload == "[DONE]") {
            done_ = true;  // the body ends right after: reading on keeps the connection reusable
            return true;
        }
        const json chunk = json::parse(payload, nullptr, false);
        if (chunk.is_discarded() || !chunk.is_object()) {
            error_ = "a stream event is not a JSON object";
            return false;
        }
        if (chunk.contains("error")) {
            error_ = "stream error: " + chunk["error"].dump();
            return false;
        }
        read_usage(chunk);
        if (has_text(chunk)) {
            on_text(Clock::now());
        }
        return true;
    }

    bool has_text(const json& chunk) const {
        const auto choices = chunk.find("choices");
        if (choices == chunk.end() || !choices->is_array() || choices->empty()) {
            return false;
        }
        const json& choice = (*choices)[0];
        const json* text = nullptr;
        if (endpoint_ == Endpoint::CHAT && choice.contains("delta") && choice["delta"].is_object()) {
            const json& delta = choice["delta"];
            text = delta.contains("content") ? &delta["content"] : nullptr;
        } else if (choice.contains("text")) {
            text = &choice["text"];
        }
        return text != nullptr && text->is_string() && !text->get_ref<const std::string&>().empty();
    }

    void read_usage(const json& chunk) {
        const auto usage = chunk.find("usage");
        if (usage == chunk.end() || !usage->is_object()) {
            return;
        }
        input_tokens_ = usage->value("prompt_tokens", input_tokens_);
        output_tokens_ = usage->value("completion_tokens", output_tokens_);
    }

    void on_text(Clock::time_point now) {
        if (last_) {
            gaps_.push_back(ms_since(*last_, now));
        } else {
            first_ = now;
        }
        last_ = now;
        ++pieces_;
    }

    Endpoint endpoint_;
    Clock::time_point start_;
    http::SseReader reader_;
    std::optional<Clock::time_point> first_;
    std::optional<Clock::time_point> last_;
    std::vector<double> gaps_;
    std::string error_;
    bool done_ = false;
    int pieces_ = 0;
    int input_tokens_ = -1;
    int output_tokens_ = -1;
};

std::string short_body(const std::string& body) {
    return body.size() <= 200 ? body : body.substr(0, 200) + "...";
}

RequestSample run_whole(http::HttpClient& client, const http::ClientRequest& request) {
    RequestSample sample;
    const auto start = Clock::now();
    auto response = client.send(request);
    sample.e2e_ms = ms_since(start, Clock::now());
    sample.ttft_ms = sample.e2e_ms;
    if (!response) {
        sample.error = response.error().message;
    } else if (response->status != 200) {
        sample.error = "HTTP " + std::to_string(response->status) + ": " + short_body(response->body);
    } else {
        const json body = json::parse(response->body, nullptr, false);
        sample.ok = body.is_object() && body.contains("data");
        sample.error = sample.ok ? "" : "the response is not an embeddings list";
        if (sample.ok && body.contains("usage") && body["usage"].is_object()) {
            sample.input_tokens = body["usage"].value("prompt_tokens", -1);
        }
    }
    return sample;
}

// Speech: the audio as pcm (24 kHz, 16-bit mono), so that its length is its duration and no encoder's
// buffering delays the first byte.
constexpr double PCM_BYTES_PER_SECOND = 24000.0 * 2;

std::string speech_body(const ServeBenchConfig& config, const std::string& prompt) {
    json body = {
        {"model", config.model}, {"input", prompt}, {"response_format", "pcm"}, {"temperature", config.temperature}};
    if (!config.voice.empty()) {
        body["voice"] = config.voice;
    }
    return body.dump();
}

// A speech request: the time to the first audio byte and the seconds of audio received.
RequestSample run_speech(http::HttpClient& client, const http::ClientRequest& request) {
    RequestSample sample;
    const auto start = Clock::now();
    std::optional<Clock::time_point> first;
    size_t audio_bytes = 0;
    std::string error_body;
    auto response = client.send(request, [&](const http::ClientResponse& head, std::string_view piece) {
        if (head.status != 200) {
            error_body.append(piece);
            return error_body.size() < 4096;
        }
        if (!piece.empty() && !first) {
            first = Clock::now();
        }
        audio_bytes += piece.size();
        return true;
    });
    sample.e2e_ms = ms_since(start, Clock::now());
    if (!response) {
        sample.error = response.error().message;
    } else if (response->status != 200) {
        sample.error = "HTTP " + std::to_string(response->status) + ": " + short_body(error_body);
    } else if (!first) {
        sample.error = "the response carried no audio";
    } else {
        sample.ok = true;
        sample.ttft_ms = ms_since(start, *first);
        sample.audio_s = static_cast<double>(audio_bytes) / PCM_BYTES_PER_SECOND;
    }
    return sample;
}

}  // namespace

std::string endpoint_path(Endpoint endpoint) {
    switch (endpoint) {
        case Endpoint::CHAT: return "/v1/chat/completions";
        case Endpoint::COMPLETIONS: return "/v1/completions";
        case Endpoint::EMBEDDINGS: return "/v1/embeddings";
        case Endpoint::SPEECH: return "/v1/audio/speech";
    }
    return "/v1/chat/completions";
}

// The user turn of a chat request: the prompt, after the configured image when there is one.
json user_content(const ServeBenchConfig& config, const std::string& prompt, uint64_t seed) {
    if (config.image.empty()) {
        return prompt;
    }
    std::string bytes = config.image;
    for (int i = 0; i < 8; ++i) {
        bytes.push_back(static_cast<char>((seed >> (8 * i)) & 0xFF));
    }
    const std::string url = "data:" + config.image_mime + ";base64," + base64_encode(bytes);
    return json::array({{{"type", "image_url"}, {"image_url", {{"url", url}}}}, {{"type", "text"}, {"text", prompt}}});
}

std::string request_body(const ServeBenchConfig& config, const std::string& prompt, int output_tokens, uint64_t seed) {
    json body = {{"model", config.model}};
    switch (config.endpoint) {
        case Endpoint::EMBEDDINGS: body["input"] = prompt; return body.dump();
        case Endpoint::SPEECH: return speech_body(config, prompt);
        case Endpoint::CHAT:
            body["messages"] = json::array({{{"role", "user"}, {"content", user_content(config, prompt, seed)}}});
            break;
        case Endpoint::COMPLETIONS: body["prompt"] = prompt; break;
    }
    // Fixed output lengths make servers comparable: no early end of sequence.
    body["max_tokens"] = output_tokens > 0 ? output_tokens : config.output_tokens;
    body["temperature"] = config.temperature;
    body["ignore_eos"] = true;
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
    return body.dump();
}

RequestSample run_request(http::HttpClient& client, const http::ClientRequest& request, Endpoint endpoint) {
    if (endpoint == Endpoint::EMBEDDINGS) {
        return run_whole(client, request);
    }
    if (endpoint == Endpoint::SPEECH) {
        return run_speech(client, request);
    }
    RequestSample sample;
    const auto start = Clock::now();
    StreamTimer timer(endpoint, start);
    std::string error_body;
    auto response = client.send(request, [&](const http::ClientResponse& head, std::string_view piece) {
        if (head.status == 200) {
            return timer.feed(piece);
        }
        error_body.append(piece);
        return error_body.size() < 4096;
    });
    if (!response) {
        sample.error = response.error().message;
        sample.e2e_ms = ms_since(start, Clock::now());
        return sample;
    }
    if (response->status != 200) {
        sample.error = "HTTP " + std::to_string(response->status) + ": " + short_body(error_body);
        sample.e2e_ms = ms_since(start, Clock::now());
        return sample;
    }
    timer.finish(sample, Clock::now());
    return sample;
}

}  // namespace hearth::bench
