#pragma once
// Where a llama.cpp model's layers may go: the local offload devices a model names (or every local GPU), then
// the devices of its RPC workers, and how llama.cpp splits layers over them. Devices that another model's RPC
// workers registered with ggml are never offered to a model that did not name them. Thread-safe.

#include <ggml-backend.h>

#include <string>
#include <vector>

#include "engine/rpc_devices.h"
#include "util/result.h"

namespace hearth::engine {

struct DevicePlan {
    std::vector<ggml_backend_dev_t> devices;  // NULL-terminated, for llama_model_params::devices
    RpcAttachment rpc;                        // held while the model lives
    bool local_gpu = false;                   // a local non-CPU device is among them
};

// `names`: comma-separated ggml device names (BackendGuard::devices()), "none" (no local offload) or empty
// (every local GPU; integrated ones when there is no discrete one, as llama.cpp chooses). `rpc`: worker
// endpoints, host:port. Errors: INVALID_ARGUMENT (unknown or CPU device, bad endpoint), UPSTREAM (a worker
// that does not answer), UNSUPPORTED (no RPC backend).
Result<DevicePlan> plan_devices(const std::string& names, const std::vector<std::string>& rpc);

// llama_split_mode by name: "none", "layer" or "row"; -1 when unknown.
int split_mode_from_name(const std::string& name);

// Checks main_gpu and tensor_split against the plan's devices. INVALID_ARGUMENT saying what is wrong.
Result<void> check_split(const DevicePlan& plan, int32_t main_gpu, const std::vector<float>& tensor_split);

// Counts the layers llama.cpp assigns to each device while the calling thread loads a model (read from its load
// log, so the numbers are the engine's own decisions). One at a time per thread.
class LayerPlacement {
public:
    LayerPlacement();
    ~LayerPlacement();
    LayerPlacement(const LayerPlacement&) = delete;
    LayerPlacement& operator=(const LayerPlacement&) = delete;

    // Device name and layer count, in the order the devices first took a layer.
    const std::vector<std::pair<std::string, int>>& layers() const { return layers_; }
    // Called by the engine log hook on this thread with each line.
    void observe(std::string_view line);

private:
    std::vector<std::pair<std::string, int>> layers_;
};

// The LayerPlacement capturing on the calling thread, or null.
LayerPlacement* current_layer_placement();

}  // namespace hearth::engine
