#pragma once
// A configured model: a name, its file and how to load it. Plain data shared by the registry (which loads),
// the api (config file and request JSON) and the CLI (hearth add). Unset options take the server's defaults.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model_kind.h"
#include "util/result.h"

namespace hearth::core {

// A draft model's tokens per step when its options do not say: llama-server's --spec-draft-n-max default.
inline constexpr int32_t DEFAULT_DRAFT_MAX = 3;

struct LoadOptions {
    std::optional<std::string> device;  // ggml device names, comma-separated; "none": no local offload
    std::optional<int32_t> n_gpu_layers;
    std::vector<float> tensor_split;  // share per offload device; empty: llama.cpp's split
    // Remote devices: `hearth rpc-worker` endpoints (host:port) whose devices take layers after the local ones.
    std::vector<std::string> rpc;
    std::optional<std::string> split_mode;  // none, layer, row
    std::optional<int32_t> main_gpu;        // the offload device for split_mode none
    // A text model in a process of its own, so that its crash never ends the server; unset: on with rpc workers
    // (ggml's RPC client ends the process when a worker dies).
    std::optional<bool> isolate;
    std::optional<int32_t> n_ctx;    // context per slot
    std::optional<int32_t> n_slots;  // parallel sequences
    std::optional<int32_t> n_batch;
    std::optional<int32_t> n_ubatch;
    std::optional<int32_t> n_threads;
    std::optional<std::string> flash_attn;  // auto, on, off
    std::optional<std::string> type_k;      // KV cache types (f16, q8_0, ...)
    std::optional<std::string> type_v;
    std::optional<int64_t> keep_alive_s;  // idle seconds before an automatic unload; -1: never
    // Speculative decoding with a draft model: a file path or a configured model's name, sharing this model's
    // vocabulary. draft_max: tokens proposed per step; draft_min: a shorter draft is dropped; draft_p_min:
    // drafting stops at a token the draft gives less probability; draft_device/draft_n_gpu_layers: as device
    // and n_gpu_layers, for the draft.
    std::optional<std::string> draft_model;
    std::optional<int32_t> draft_max;
    std::optional<int32_t> draft_min;
    std::optional<float> draft_p_min;
    std::optional<std::string> draft_device;
    std::optional<int32_t> draft_n_gpu_layers;
    std::optional<int32_t> lookup_draft_max;  // prompt lookup's tokens per step for requests that do not say; 0: off

    bool operator==(const LoadOptions&) const = default;
};

struct ModelSpec {
    std::string name;
    std::string path;
    std::optional<ModelKind> kind;  // detected from the file when unset
    std::string mmproj;             // a vlm's projector file
    std::string vocoder;            // a tts model's WavTokenizer vocoder file
    std::string speakers;           // a tts model's folder of OuteTTS speaker profiles (*.json), its voices
    LoadOptions options;

    bool operator==(const ModelSpec&) const = default;
};

// Range checks a client or a config file could get wrong. INVALID_ARGUMENT naming the field.
Result<void> validate(const LoadOptions& options);
// A model name usable in URLs and on the command line: 1-128 of [A-Za-z0-9._:/-], not starting with '.' or '/'.
Result<void> validate_model_name(const std::string& name);
// `over`'s set fields replace `base`'s.
LoadOptions overlay(const LoadOptions& base, const LoadOptions& over);

}  // namespace hearth::core
