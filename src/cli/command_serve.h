#pragma once
// `hearth serve`: options and the run loop until SIGINT/SIGTERM.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace hearth::cli {

struct ServeOptions {
    std::string host = "127.0.0.1";
    int port = 8080;
    std::string models_dir;
    int handler_threads = 128;
    int read_timeout_s = 30;
    int idle_timeout_s = 60;
    int write_timeout_s = 60;
    int max_connections = 1024;
    int shutdown_timeout_s = 10;
    std::vector<std::string> api_keys;
    std::string api_key_file;
    bool metrics_public = false;
    std::vector<std::string> cors_origins;
    std::string log_format = "text";
    bool log_prompts = false;
    int parallel = 4;
    int ctx_size = 4096;
    int batch_size = 512;
    int threads = 0;
    int queue_size = 64;
    double step_stretch = 2.0;
};

void add_serve_command(CLI::App& app, ServeOptions& options);
// LLM load options (slots, context, batch, threads, queue), shared by the commands that load models.
void add_text_model_options(CLI::App& command, ServeOptions& options);
// Access and logging options: API keys, CORS, metrics, log format.
void add_access_options(CLI::App& command, ServeOptions& options);
int run_serve(const ServeOptions& options);

// $HEARTH_MODELS, else ../shared/models when it exists, else ~/.hearth/models.
std::string default_models_dir();

}  // namespace hearth::cli
