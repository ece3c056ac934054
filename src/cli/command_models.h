#pragma once
// Model config commands, which edit $HEARTH_HOME/config.json (no server needed): `hearth add NAME PATH`,
// `hearth list`, `hearth rm NAME`. A running server reads the file at start-up.

#include <CLI/CLI.hpp>

#include <string>

#include "core/model_spec.h"

namespace hearth::cli {

struct ModelsOptions {
    std::string config_path;  // empty: default_config_path()
    std::string models_dir;   // list: empty: default_models_dir()
    std::string name;
    std::string path;
    std::string kind;
    std::string mmproj;
    std::string vocoder;
    std::string speakers;
    bool replace = false;
    bool files = false;  // rm: delete a pulled model's files too
    bool json = false;
    // load options, as typed (validated when the command runs)
    std::string device, flash_attn, type_k, type_v, keep_alive, draft_model, draft_device;
    int n_gpu_layers = 0, n_ctx = 0, n_slots = 0, n_batch = 0, n_ubatch = 0, n_threads = 0, lookup = 0;
    int draft_max = 0, draft_min = 0, draft_n_gpu_layers = 0;
    double draft_p_min = 0.0;
    std::vector<float> tensor_split;
    std::vector<std::string> rpc;
    std::string split_mode;
    int main_gpu = 0;
    bool isolate = false;
};

void add_models_commands(CLI::App& app, ModelsOptions& options);
// 0 done, 1 failed (one line on stderr says why). Runs whichever of add/list/rm was given.
int run_models_command(const CLI::App& app, ModelsOptions& options);

}  // namespace hearth::cli
