#pragma once
// `hearth rpc-worker`: serves this host's ggml devices to other hearth (or llama.cpp) processes over ggml's RPC
// protocol, so that a model's layers spread over several hosts (llama.cpp's rpc-server, as a hearth command).

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace hearth::cli {

struct RpcWorkerCommandOptions {
    std::string host = "127.0.0.1";
    int port = 50052;
    std::vector<std::string> devices;
    int threads = 0;
    bool cache = false;
};

void add_rpc_worker_command(CLI::App& app, RpcWorkerCommandOptions& options);
int run_rpc_worker(const RpcWorkerCommandOptions& options);

}  // namespace hearth::cli
