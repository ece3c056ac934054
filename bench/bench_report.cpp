#include "bench/bench_report.h"

#include <cstdio>
#include <string>

namespace hearth::bench {

namespace {

nlohmann::json to_json(const Distribution& d) {
    return {{"count", d.count}, {"mean", d.mean}, {"p50", d.p50}, {"p90", d.p90}, {"p99", d.p99}, {"max", d.max}};
}

std::string format(const char* pattern, double a, double b, double c) {
    char text[64];
    std::snprintf(text, sizeof text, pattern, a, b, c);
    return text;
}

}  // namespace

nlohmann::json to_json(const LevelResult& level) {
    nlohmann::json out = {
        {"concurrency", level.concurrency},
        {"requests", level.requests},
        {"ok", level.ok},
        {"errors", level.errors},
        {"error_samples", level.error_samples},
        {"duration_s", level.duration_s},
        {"request_throughput", level.request_throughput},
        {"output_tokens_per_s", level.output_tokens_per_s},
        {"mean_input_tokens", level.mean_input_tokens},
        {"mean_output_tokens", level.mean_output_tokens},
        {"ttft_ms", to_json(level.ttft_ms)},
        {"tpot_ms", to_json(level.tpot_ms)},
        {"itl_ms", to_json(level.itl_ms)},
        {"e2e_ms", to_json(level.e2e_ms)},
    };
    out["request_rate"] = level.request_rate;
    out["slo_met"] = level.slo_met;
    out["slo_attainment"] = level.slo_attainment;
    out["goodput"] = level.goodput;
    out["audio_seconds_per_s"] = level.audio_seconds_per_s;
    out["mean_audio_s"] = level.mean_audio_s;
    out["server_cpu_s"] = level.server_cpu_s >= 0 ? nlohmann::json(level.server_cpu_s) : nlohmann::json();
    return out;
}

void print_serve_table(std::ostream& out, const ServeBenchConfig& config, const std::vector<LevelResult>& levels) {
    out << "serve benchmark: " << config.base_url << "  model " << config.model << "  endpoint "
        << to_string(config.endpoint) << "  ~" << config.input_tokens << " in / " << config.output_tokens
        << " out tokens\n";
    out << "  conc  ok/sent  err   req/s   out tok/s   TTFT ms p50/p90/p99     TPOT ms p50/p90/p99"
           "      ITL ms p50/p90/p99      E2E ms p50/p90/p99   server CPU s\n";
    char line[128];
    for (const auto& l : levels) {
        std::snprintf(line, sizeof line, "  %4d  %3d/%-4d %3d  %6.2f  %10.1f", l.concurrency, l.ok, l.requests,
                      l.errors, l.request_throughput, l.output_tokens_per_s);
        out << line;
        for (const auto* d : {&l.ttft_ms, &l.tpot_ms, &l.itl_ms, &l.e2e_ms}) {
            std::snprintf(line, sizeof line, "  %22s", format("%.0f/%.0f/%.0f", d->p50, d->p90, d->p99).c_str());
            out << line;
        }
        std::snprintf(line, sizeof line, "  %8.1f\n", l.server_cpu_s);
        out << (l.server_cpu_s >= 0 ? line : "         -\n");
        if (l.request_rate > 0 || config.slo_ttft_ms > 0 || config.slo_tpot_ms > 0) {
            char slo[256];
            std::snprintf(slo, sizeof slo,
                          "        arrivals %.2f/s  within SLO (TTFT <= %.0f ms, TPOT <= %.0f ms): %d (%.0f%%), "
                          "goodput %.2f req/s\n",
                          l.request_rate, config.slo_ttft_ms, config.slo_tpot_ms, l.slo_met, 100 * l.slo_attainment,
                          l.goodput);
            out << slo;
        }
        if (config.endpoint == Endpoint::SPEECH) {
            char audio[160];
            std::snprintf(audio, sizeof audio,
                          "        audio %.2f s per wall second (all clients), %.2f s per request; TTFT is the "
                          "first audio byte\n",
                          l.audio_seconds_per_s, l.mean_audio_s);
            out << audio;
        }
        for (const auto& error : l.error_samples) {
            out << "        error: " << error << "\n";
        }
    }
}

nlohmann::json to_json(const ModelRun& run) {
    const auto& m = run.model;
    const auto& e = run.settings;
    return {{"model",
             {{"name", m.name},
              {"path", m.path},
              {"size_bytes", m.size_bytes},
              {"sha256", m.sha256},
              {"architecture", m.architecture},
              {"quantization", m.quantization},
              {"n_params", m.n_params}}},
            {"settings",
             {{"device", e.device.empty() ? "default" : e.device},
              {"threads", e.threads},
              {"n_batch", e.n_batch},
              {"n_ubatch", e.n_ubatch},
              {"n_gpu_layers", e.n_gpu_layers},
              {"flash_attn", e.flash_attn},
              {"type_k", e.type_k},
              {"type_v", e.type_v}}},
            {"test", run.test.name()},
            {"n_prompt", run.test.n_prompt},
            {"n_gen", run.test.n_gen},
            {"repetitions", run.tokens_per_s.size()},
            {"tokens_per_s", {{"mean", run.mean_tokens_per_s}, {"stddev", run.stddev_tokens_per_s}}},
            {"samples", run.tokens_per_s}};
}

void print_model_table(std::ostream& out, const std::vector<ModelRun>& runs) {
    out << "| model                          |   size MiB | params M | device  | threads | n_batch | n_ubatch |"
           " ngl |   fa | type_k | type_v |   test |            t/s |\n"
        << "| ------------------------------ | ---------: | -------: | ------- | ------: | ------: | -------: |"
           " --: | ---: | -----: | -----: | -----: | -------------: |\n";
    char line[320];
    for (const auto& r : runs) {
        const auto& e = r.settings;
        const std::string model = r.model.architecture + " " + r.model.quantization + " " + r.model.name;
        std::snprintf(line, sizeof line,
                      "| %-30.30s | %10.2f | %8.2f | %-7.7s | %7d | %7d | %8d | %3d | %4s | %6s | %6s | %6s | %14s |\n",
                      model.c_str(), static_cast<double>(r.model.size_bytes) / (1 << 20),
                      static_cast<double>(r.model.n_params) / 1e6, e.device.empty() ? "default" : e.device.c_str(),
                      e.threads, e.n_batch, e.n_ubatch, e.n_gpu_layers, e.flash_attn.c_str(), e.type_k.c_str(),
                      e.type_v.c_str(), r.test.name().c_str(),
                      format("%.2f ± %.2f", r.mean_tokens_per_s, r.stddev_tokens_per_s, 0).c_str());
        out << line;
    }
}

}  // namespace hearth::bench
