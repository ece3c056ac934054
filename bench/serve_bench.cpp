#include "bench/serve_bench.h"

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "bench/prompt_source.h"
#include "bench/request_driver.h"

namespace hearth::bench {

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t MAX_ERROR_SAMPLES = 5;

// User + system CPU seconds of a process so far (Linux /proc); -1 when it cannot be read.
double process_cpu_seconds(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (pid <= 0 || !std::getline(in, line)) {
        return -1;
    }
    // Fields after the command name, which is in parentheses and may hold spaces: state is field 3,
    // utime and stime are fields 14 and 15.
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string field;
    double utime = 0;
    double stime = 0;
    for (int index = 3; index <= 15 && rest >> field; ++index) {
        if (index == 14) {
            utime = std::strtod(field.c_str(), nullptr);  // strtod: never throws
        } else if (index == 15) {
            stime = std::strtod(field.c_str(), nullptr);
        }
    }
    return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int requests_for(const ServeBenchConfig& config, int concurrency) {
    if (config.requests > 0) {
        return config.requests;
    }
    // Open loop: about 30 s of arrivals.
    return config.request_rate > 0 ? std::max(16, static_cast<int>(config.request_rate * 30))
                                   : std::max(8, 4 * concurrency);
}

double ms_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

// What the clients of one level share.
struct LevelRun {
    const ServeBenchConfig& config;
    http::BaseUrl url;
    int total = 0;
    Clock::time_point start;
    Clock::time_point deadline;
    std::vector<double> arrivals_s;  // open loop: request i arrives this long after start
    std::atomic<int> next{0};
    std::mutex mutex;
    std::vector<RequestSample> samples;  // under mutex

    http::ClientRequest make_request(int index) const {
        http::ClientRequest request;
        request.target = url.path + endpoint_path(config.endpoint);
        request.headers.push_back({"Content-Type", "application/json"});
        if (!config.api_key.empty()) {
            request.headers.push_back({"Authorization", "Bearer " + config.api_key});
        }
        const uint64_t seed = (config.prompt_seed << 32) + static_cast<uint64_t>(index);
        const LengthPair lengths = request_lengths(config, seed, index);
        const std::string prompt = config.prompts.empty()
                                       ? synthetic_prompt(lengths.input, seed)
                                       : config.prompts[static_cast<size_t>(index) % config.prompts.size()];
        request.body = request_body(config, prompt, lengths.output, seed);
        return request;
    }

    void client_loop() {
        http::HttpClient client(url.host, url.port, config.request_timeout);
        for (int index = next++; index < total && Clock::now() < deadline; index = next++) {
            double late_ms = 0;  // open loop: how long the request waited for this client after it arrived
            if (!arrivals_s.empty()) {
                const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(arrivals_s[static_cast<size_t>(index)]));
                std::this_thread::sleep_until(due);
                late_ms = std::max(0.0, ms_between(due, Clock::now()));
            }
            RequestSample sample = run_request(client, make_request(index), config.endpoint);
            sample.ttft_ms += late_ms;
            sample.e2e_ms += late_ms;
            const std::lock_guard lock(mutex);
            samples.push_back(std::move(sample));
        }
    }
};

bool meets_slo(const ServeBenchConfig& config, const RequestSample& sample) {
    if (!sample.ok) {
        return false;
    }
    const bool ttft_ok = config.slo_ttft_ms <= 0 || sample.ttft_ms <= config.slo_ttft_ms;
    const double tpot = sample.output_tokens > 1 ? (sample.e2e_ms - sample.ttft_ms) / (sample.output_tokens - 1) : 0.0;
    return ttft_ok && (config.slo_tpot_ms <= 0 || tpot <= config.slo_tpot_ms);
}

void fill_slo(LevelResult& result, const ServeBenchConfig& config, const std::vector<RequestSample>& samples) {
    for (const auto& sample : samples) {
        result.slo_met += meets_slo(config, sample) ? 1 : 0;
    }
    result.slo_attainment = result.requests > 0 ? static_cast<double>(result.slo_met) / result.requests : 0;
    result.goodput = result.duration_s > 0 ? result.slo_met / result.duration_s : 0;
}

void fill_result(LevelResult& result, const std::vector<RequestSample>& samples) {
    std::vector<double> ttft;
    std::vector<double> tpot;
    std::vector<double> itl;
    std::vector<double> e2e;
    double input_sum = 0;
    int input_count = 0;
    long output_sum = 0;
    double audio_sum = 0;
    for (const auto& sample : samples) {
        ++result.requests;
        if (!sample.ok) {
            ++result.errors;
            if (result.error_samples.size() < MAX_ERROR_SAMPLES) {
                result.error_samples.push_back(sample.error);
            }
            continue;
        }
        ++result.ok;
        ttft.push_back(sample.ttft_ms);
        e2e.push_back(sample.e2e_ms);
        itl.insert(itl.end(), sample.itl_ms.begin(), sample.itl_ms.end());
        if (sample.output_tokens > 1) {
            tpot.push_back((sample.e2e_ms - sample.ttft_ms) / (sample.output_tokens - 1));
        }
        output_sum += sample.output_tokens;
        audio_sum += sample.audio_s;
        if (sample.input_tokens >= 0) {
            input_sum += sample.input_tokens;
            ++input_count;
        }
    }
    result.ttft_ms = summarize(ttft);
    result.tpot_ms = summarize(tpot);
    result.itl_ms = summarize(itl);
    result.e2e_ms = summarize(e2e);
    result.mean_input_tokens = input_count > 0 ? input_sum / input_count : 0;
    result.mean_output_tokens = result.ok > 0 ? static_cast<double>(output_sum) / result.ok : 0;
    result.mean_audio_s = result.ok > 0 ? audio_sum / result.ok : 0;
    if (result.duration_s > 0) {
        result.request_throughput = result.ok / result.duration_s;
        result.output_tokens_per_s = static_cast<double>(output_sum) / result.duration_s;
        result.audio_seconds_per_s = audio_sum / result.duration_s;
    }
}

}  // namespace

std::string to_string(Endpoint endpoint) {
    switch (endpoint) {
        case Endpoint::CHAT: return "chat";
        case Endpoint::COMPLETIONS: return "completions";
        case Endpoint::EMBEDDINGS: return "embeddings";
        case Endpoint::SPEECH: return "speech";
    }
    return "chat";
}

Result<void> validate(const ServeBenchConfig& config) {
    if (auto url = http::parse_base_url(config.base_url); !url) {
        return url.error();
    }
    if (config.model.empty()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "no model: pass --model");
    }
    if (config.concurrency.empty()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "no concurrency level");
    }
    for (const int level : config.concurrency) {
        if (level < 1 || level > 1024) {
            return make_error(ErrorCode::INVALID_ARGUMENT, "concurrency must be in 1..1024");
        }
    }
    if (config.requests < 0 || config.input_tokens < 1 || config.output_tokens < 1) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "requests must be >= 0, input and output tokens >= 1");
    }
    // Negated comparisons so that NaN fails too.
    if (!(config.request_rate >= 0 && config.request_rate <= 1e6)) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "request rate must be in 0..1e6 per second (0: closed loop)");
    }
    if (!(config.slo_ttft_ms >= 0 && config.slo_tpot_ms >= 0)) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "SLOs must be >= 0 ms (0: none)");
    }
    if (!(config.burstiness > 0 && config.burstiness <= 1e3)) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "burstiness must be in (0, 1000]");
    }
    if (config.input_tokens_max < 0 || config.output_tokens_max < 0) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "length maxima must be >= 0 (0: fixed lengths)");
    }
    for (const LengthPair& pair : config.lengths) {
        if (pair.input < 1 || pair.output < 1) {
            return make_error(ErrorCode::INVALID_ARGUMENT, "every length pair needs input and output >= 1");
        }
    }
    return {};
}

LengthPair request_lengths(const ServeBenchConfig& config, uint64_t seed, int index) {
    if (!config.lengths.empty()) {
        return config.lengths[static_cast<size_t>(index) % config.lengths.size()];
    }
    std::mt19937_64 rng(seed ^ 0x6c656e67746873ULL);  // apart from the prompt's own words
    const auto draw = [&rng](int low, int high) {
        return high > low ? std::uniform_int_distribution<int>(low, high)(rng) : low;
    };
    const int input = draw(config.input_tokens, config.input_tokens_max);
    return {input, draw(config.output_tokens, config.output_tokens_max)};
}

std::vector<double> arrival_times(int n, double rate, double burstiness, uint64_t seed) {
    std::vector<double> out;
    if (n <= 0 || !(rate > 0) || !std::isfinite(rate) || !(burstiness > 0)) {
        return out;
    }
    std::mt19937_64 rng(seed);
    std::gamma_distribution<double> gap(burstiness, 1.0 / (rate * burstiness));
    double at = 0;
    for (int i = 0; i < n; ++i) {
        out.push_back(at);
        at += gap(rng);
    }
    return out;
}

LevelResult run_serve_level(const ServeBenchConfig& config, int concurrency) {
    LevelRun run{config, *http::parse_base_url(config.base_url), requests_for(config, concurrency), {}, {}, {}, {}, {},
                 {}};
    run.arrivals_s = arrival_times(run.total, config.request_rate, config.burstiness, config.arrival_seed);
    LevelResult result;
    result.concurrency = concurrency;
    result.request_rate = config.request_rate;
    const double cpu_before = process_cpu_seconds(config.server_pid);
    const auto start = Clock::now();
    run.start = start;
    run.deadline = start + config.level_time_limit;
    std::vector<std::thread> clients;
    for (int i = 0; i < std::min(concurrency, run.total); ++i) {
        clients.emplace_back([&run] { run.client_loop(); });
    }
    for (auto& client : clients) {
        client.join();
    }
    result.duration_s = std::chrono::duration<double>(Clock::now() - start).count();
    const double cpu_after = process_cpu_seconds(config.server_pid);
    if (cpu_before >= 0 && cpu_after >= 0) {
        result.server_cpu_s = cpu_after - cpu_before;
    }
    fill_result(result, run.samples);
    fill_slo(result, config, run.samples);
    return result;
}

}  // namespace hearth::bench
