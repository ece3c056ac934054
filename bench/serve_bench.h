#pragma once
// The serving benchmark behind `hearth bench serve`: clients against any OpenAI-compatible server (hearth,
// llama-server, ...). Closed loop: at each concurrency level C, C clients each send their next request as soon
// as the previous one ends, until the level's request count or time bound is reached. Open loop: requests
// arrive at a mean rate (Poisson, seeded) whether or not earlier ones have finished, as real traffic and
// vLLM's benchmark_serving --request-rate do; C then caps how many are in flight. Generation requests
// stream, so that the time to the first token and the gaps between tokens are measured as a client sees them.
// Thread contract: run_serve_level() blocks its caller and runs the clients on threads of its own.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/distribution.h"
#include "util/result.h"

namespace hearth::bench {

enum class Endpoint { CHAT, COMPLETIONS, EMBEDDINGS, SPEECH };

struct LengthPair {
    int input = 0;   // synthetic prompt tokens (about)
    int output = 0;  // generated tokens
};

struct ServeBenchConfig {
    std::string base_url = "http://127.0.0.1:8080";  // the server root; requests go to BASE/v1/...
    std::string model;
    std::string api_key;  // sent as a bearer token when set
    Endpoint endpoint = Endpoint::CHAT;
    std::vector<int> concurrency{1, 4, 16};
    int requests = 0;        // per level; 0: 4 x concurrency (at least 8)
    int input_tokens = 256;  // synthetic prompts: about this many tokens (one common word each)
    int output_tokens = 128;
    // Lengths per request: fixed (input_tokens, output_tokens); uniform over [input_tokens, input_tokens_max]
    // and [output_tokens, output_tokens_max] where a max is above its minimum; or the pairs of `lengths` in
    // turn (a replayed mix such as ShareGPT's). Drawn from the request's prompt seed: every server gets the
    // same lengths.
    int input_tokens_max = 0;
    int output_tokens_max = 0;
    std::vector<LengthPair> lengths;
    double temperature = 0;            // 0: greedy; above, each server's default sampling chain draws
    std::vector<std::string> prompts;  // from a JSONL file; when set, used in turn instead of synthetic ones
    // Synthetic prompt i of a level comes from seed (prompt_seed << 32) + i. A server that keeps prompts it
    // has seen (llama-server's host-memory prompt cache) must not meet one again in a later level or run:
    // each level gets a seed of its own.
    uint64_t prompt_seed = 0;
    std::chrono::seconds level_time_limit{600};  // no new request starts after this
    std::chrono::seconds request_timeout{300};   // per network operation
    int server_pid = 0;                          // when set, the server process's CPU seconds are measured per level
    // Open loop: mean arrivals per second (exponential gaps from arrival_seed); 0: closed loop. A request's
    // TTFT and end-to-end time count from its arrival, so a client-side wait for a free slot counts too.
    double request_rate = 0;
    uint64_t arrival_seed = 0;
    double burstiness = 1.0;  // open loop: gaps are gamma-distributed with this shape (1: Poisson; < 1: burstier)
    // Service-level objectives in ms (0: none): a request meets them when it succeeded with its TTFT and
    // TPOT within them. Goodput is the rate of requests that meet them (vLLM's --goodput).
    double slo_ttft_ms = 0;
    double slo_tpot_ms = 0;
    // Chat: an image (its file's bytes, of image_mime) that opens every request's user turn, made a different
    // image for each request by a few bytes after its end (which decoders ignore), so that no server answers
    // from an earlier request's encode or cache.
    std::string image;
    std::string image_mime = "image/png";
    // Speech: the voice (empty: the model's default). The prompt is the text to speak; the audio comes back
    // as 24 kHz 16-bit pcm, streamed, and its first byte is the request's "first token".
    std::string voice;
};

struct LevelResult {
    int concurrency = 0;
    int requests = 0;  // sent
    int ok = 0;
    int errors = 0;
    std::vector<std::string> error_samples;  // the first few, for the report
    double duration_s = 0;
    double request_throughput = 0;  // completed requests per second
    double output_tokens_per_s = 0;
    double mean_input_tokens = 0;  // as the server counted them (usage), when it reports usage
    double mean_output_tokens = 0;
    Distribution ttft_ms;
    Distribution tpot_ms;  // per request: (end - first token) / (output tokens - 1)
    Distribution itl_ms;   // every gap between two streamed pieces of text
    Distribution e2e_ms;
    double server_cpu_s = -1;   // -1: not measured
    double request_rate = 0;    // open loop: the mean arrival rate asked for; 0: closed loop
    int slo_met = 0;            // requests within both SLOs (every ok request when none is set)
    double slo_attainment = 0;  // slo_met / requests sent
    double goodput = 0;         // slo_met per second
    // Speech: seconds of audio made per wall second, all clients together (at concurrency 1, the real-time
    // factor), and the mean seconds of audio of a request.
    double audio_seconds_per_s = 0;
    double mean_audio_s = 0;
};

// Arrival offsets in seconds of n requests at a mean rate: gaps drawn from a gamma distribution of shape
// `burstiness` and mean 1/rate (burstiness 1: exponential gaps, a Poisson process; as vLLM's --burstiness).
// The first arrives at 0.
std::vector<double> arrival_times(int n, double rate, double burstiness, uint64_t seed);

// The (input, output) lengths of request `index` of a level whose prompt seed is `seed`.
LengthPair request_lengths(const ServeBenchConfig& config, uint64_t seed, int index);

// Rejects configurations that cannot run (no model, levels out of 1..1024, negative sizes, bad URL).
Result<void> validate(const ServeBenchConfig& config);
// Runs one concurrency level. Never throws; failures of single requests are counted in the result.
LevelResult run_serve_level(const ServeBenchConfig& config, int concurrency);

std::string to_string(Endpoint endpoint);

}  // namespace hearth::bench
