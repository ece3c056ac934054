#pragma once
// One measured test of the engine benchmark (`hearth bench MODEL`), as stored and shown: plain data, so that
// the results database and the reports need no engine. bench/model/ fills it.

#include <cstdint>
#include <string>
#include <vector>

namespace hearth::bench {

// The model file a run measured.
struct ModelIdentity {
    std::string name;  // file name without folders
    std::string path;
    uint64_t size_bytes = 0;
    std::string sha256;  // the file's digest (hex); the database keeps a prefix
    std::string architecture;
    std::string quantization;
    uint64_t n_params = 0;
};

// One point of a sweep: the load options a test ran under.
struct EngineSettings {
    int threads = 0;  // 0: llama.cpp's default
    int n_batch = 2048;
    int n_ubatch = 512;
    int n_gpu_layers = 99;
    std::string flash_attn = "auto";  // auto, on, off
    std::string type_k = "f16";
    std::string type_v = "f16";
    std::string device;  // empty: every device; "none": CPU only

    bool operator==(const EngineSettings&) const = default;
};

// ppN: N prompt tokens in batches of n_batch; tgN: N tokens generated one at a time.
struct TestSpec {
    int n_prompt = 0;
    int n_gen = 0;

    std::string name() const { return n_prompt > 0 ? "pp" + std::to_string(n_prompt) : "tg" + std::to_string(n_gen); }
    int tokens() const { return n_prompt > 0 ? n_prompt : n_gen; }
};

struct ModelRun {
    ModelIdentity model;
    EngineSettings settings;
    TestSpec test;
    std::vector<double> tokens_per_s;  // one per repetition
    double mean_tokens_per_s = 0;
    double stddev_tokens_per_s = 0;  // sample standard deviation; 0 for one repetition
};

// Fills mean and stddev from tokens_per_s.
void summarize(ModelRun& run);

}  // namespace hearth::bench
