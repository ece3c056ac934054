#pragma once
// `hearth pull REF`: a model from a Hugging Face hub (or $HF_ENDPOINT's mirror) into the models directory, with
// a progress bar per file on a terminal and plain lines otherwise (src/pull does the work; no server needed).

#include <CLI/CLI.hpp>

#include <string>

namespace hearth::cli {

struct PullCommandOptions {
    std::string ref;
    std::string models_dir;  // empty: $HEARTH_MODELS, else the default as hearth serve
    std::string token;       // empty: $HF_TOKEN
    std::string endpoint;    // empty: $HF_ENDPOINT, else https://huggingface.co
    int stall_timeout_s = 60;
};

void add_pull_command(CLI::App& app, PullCommandOptions& options);
// 0 pulled; 1 failed ("hearth pull: error: ..." on stderr).
int run_pull(const PullCommandOptions& options);

}  // namespace hearth::cli
