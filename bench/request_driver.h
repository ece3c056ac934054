#pragma once
// One benchmark request: the OpenAI request body for an endpoint, and the timed exchange that turns the
// server's answer (streamed events, or one JSON body) into a sample.

#include <string>
#include <vector>

#include "bench/serve_bench.h"
#include "http/http_client.h"

namespace hearth::bench {

struct RequestSample {
    bool ok = false;
    std::string error;  // when !ok
    double ttft_ms = 0;
    double e2e_ms = 0;
    std::vector<double> itl_ms;  // gaps between streamed pieces of text
    int input_tokens = -1;       // -1: the server reported no usage
    int output_tokens = 0;
    double audio_s = 0;  // speech: seconds of audio received
};

// The JSON body of one request with the given prompt; output_tokens < 1: config.output_tokens.
// seed: the request's own; it makes the request's image (config.image) unique.
std::string request_body(const ServeBenchConfig& config, const std::string& prompt, int output_tokens = 0,
                         uint64_t seed = 0);
// The path below the base URL's path: /v1/chat/completions, /v1/completions, /v1/embeddings or
// /v1/audio/speech.
std::string endpoint_path(Endpoint endpoint);
// Sends one request and times it. Never throws.
RequestSample run_request(http::HttpClient& client, const http::ClientRequest& request, Endpoint endpoint);

}  // namespace hearth::bench
