#pragma once
// `hearth serve`: options and the run loop until SIGINT/SIGTERM.

#include <CLI/CLI.hpp>

#include <string>

namespace hearth::cli {

struct ServeOptions {
    std::string host = "127.0.0.1";
    int port = 8080;
    std::string models_dir;
    int handler_threads = 8;
    int read_timeout_s = 30;
    int idle_timeout_s = 60;
};

void add_serve_command(CLI::App& app, ServeOptions& options);
int run_serve(const ServeOptions& options);

// $HEARTH_MODELS, else ../shared/models when it exists, else ~/.hearth/models.
std::string default_models_dir();

}  // namespace hearth::cli
