#pragma once
// `hearth serve`: options and the run loop until SIGINT/SIGTERM.

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/result.h"

namespace hearth::cli {

struct ServeOptions {
    std::string host = "127.0.0.1";
    int port = 8080;
    std::string models_dir;
    int handler_threads = 128;
    int read_timeout_s = 30;
    int idle_timeout_s = 60;
    int parallel = 4;
    int ctx_size = 4096;
    int batch_size = 512;
    int threads = 0;
    int sampling_threads = 0;
    int queue_size = 64;
    double step_stretch = 2.0;
    bool no_burst_prefill = false;
    std::string prefill_order = "fcfs";
    int lookup_draft_max = 0;
    // Speculative decoding with a draft model, for text models whose options do not say.
    std::string draft_model;
    int draft_max = 3;
    int draft_min = 0;
    double draft_p_min = 0.0;
    std::string draft_device;
    int draft_n_gpu_layers = -1;
    // Where text models' layers go, for models whose options do not say (engine/device_selection.h).
    std::string device;
    int n_gpu_layers = -1;
    std::vector<std::string> rpc;
    std::string split_mode = "layer";
    int main_gpu = 0;
    std::vector<float> tensor_split;
    int64_t prompt_cache_mib = -1;
    std::string config_path;             // empty: default_config_path()
    std::vector<std::string> preload;    // --load
    std::string memory_budget = "auto";  // bytes with an optional unit, "auto" or "0" (none)
    std::string vram_budget = "auto";    // the same for GPU memory
    bool no_autoload = false;
    bool isolate = false;
    std::string keep_alive = "-1";
    double unload_grace_s = 5;  // an unload lets running requests finish this long
    double embedding_batch_window_ms = 2.0;
    int embedding_batch_tokens = 2048;
    int embedding_pass_tokens = 256;
    int embedding_cache = 4096;
    int max_embedding_inputs = 2048;
    std::string vad_model;  // empty: a silero*.bin under the models directory, when there is one
    int speech_sessions = 4;
    bool no_builtin_voice = false;
    bool no_webui = false;  // GET / answers 404 instead of the web page
    int max_upload_mb = 25;
    double max_audio_seconds = 3 * 3600;
    // Images in chat requests (server/media_sources.h).
    bool allow_remote_media = false;
    std::string media_dir;  // empty: file:// image URLs are refused
    uint64_t max_image_bytes = uint64_t{20} << 20;
    uint32_t max_images = 16;
    uint64_t max_image_pixels = uint64_t{1} << 25;
    // The /v1/responses store (server/response_store.h).
    size_t responses_store_size = 1000;
    int64_t responses_ttl_s = 3600;
    // Connections, shutdown, access and logging (serve_access.cpp).
    int write_timeout_s = 60;
    int max_connections = 1024;
    int shutdown_timeout_s = 10;
    std::vector<std::string> api_keys;
    std::string api_key_file;
    bool metrics_public = false;
    std::vector<std::string> cors_origins;
    std::string log_format = "text";
    bool log_prompts = false;
};

void add_serve_command(CLI::App& app, ServeOptions& options);
// LLM load options (slots, context, batch, threads, queue), shared by the commands that load models.
void add_text_model_options(CLI::App& command, ServeOptions& options);
// Embedding and rerank models: batching window and size, the shared vector cache, inputs per request.
void add_embedding_options(CLI::App& command, ServeOptions& options);
// Speech-to-text: VAD model, transcriptions at once, upload and audio limits.
void add_speech_options(CLI::App& command, ServeOptions& options);
// Images in chat requests: remote URLs, the media directory, size, count and pixel limits.
void add_media_options(CLI::App& command, ServeOptions& options);
int run_serve(const ServeOptions& options);

// $HEARTH_MODELS, else ../shared/models when it exists, else ~/.hearth/models.
std::string default_models_dir();
// $HEARTH_HOME/config.json, HEARTH_HOME defaulting to ~/.hearth.
std::string default_config_path();
// "8GiB", "512MiB", "1000000", "auto" (nullopt: the caller's default) or "0" (no budget). INVALID_ARGUMENT
// otherwise, naming `flag`.
Result<std::optional<uint64_t>> parse_byte_budget(const std::string& text, const std::string& flag);

}  // namespace hearth::cli
