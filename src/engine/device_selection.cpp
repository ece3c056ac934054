#include "engine/device_selection.h"

#include <llama.h>

#include <algorithm>

#include "util/list_text.h"

namespace hearth::engine {

namespace {

thread_local LayerPlacement* t_placement = nullptr;

Error invalid(std::string message) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message));
}

std::string known_devices() {
    std::string known = "none";
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        if (!is_rpc_device(dev)) {
            known += ", " + std::string(ggml_backend_dev_name(dev));
        }
    }
    return known;
}

// llama.cpp's default choice, without RPC devices: the GPUs, else the integrated GPUs.
std::vector<ggml_backend_dev_t> local_gpus() {
    std::vector<ggml_backend_dev_t> gpus;
    std::vector<ggml_backend_dev_t> igpus;
    for (size_t i = 0; i < ggml_backend_dev_count(); ++i) {
        ggml_backend_dev_t dev = ggml_backend_dev_get(i);
        if (is_rpc_device(dev)) {
            continue;
        }
        const auto type = ggml_backend_dev_type(dev);
        if (type == GGML_BACKEND_DEVICE_TYPE_GPU) {
            gpus.push_back(dev);
        } else if (type == GGML_BACKEND_DEVICE_TYPE_IGPU) {
            igpus.push_back(dev);
        }
    }
    return gpus.empty() ? igpus : gpus;
}

Result<std::vector<ggml_backend_dev_t>> local_devices(const std::string& names) {
    if (names.empty()) {
        return local_gpus();
    }
    std::vector<ggml_backend_dev_t> out;
    for (const auto& name : split_list(names)) {
        if (name == "none") {
            continue;
        }
        ggml_backend_dev_t dev = ggml_backend_dev_by_name(name.c_str());
        if (dev == nullptr || is_rpc_device(dev)) {
            return invalid("unknown device '" + name + "' (known: " + known_devices() +
                           "; remote devices come from the rpc option)");
        }
        // The CPU holds whatever is not offloaded; naming it alone means no offload (as "none").
        if (ggml_backend_dev_type(dev) != GGML_BACKEND_DEVICE_TYPE_CPU &&
            std::find(out.begin(), out.end(), dev) == out.end()) {
            out.push_back(dev);
        }
    }
    return out;
}

}  // namespace

Result<DevicePlan> plan_devices(const std::string& names, const std::vector<std::string>& rpc) {
    auto local = local_devices(names);
    if (!local) {
        return local.error();
    }
    DevicePlan plan;
    plan.local_gpu = !local->empty();
    plan.devices = std::move(*local);
    if (!rpc.empty()) {
        auto attached = attach_rpc_devices(rpc);
        if (!attached) {
            return attached.error();
        }
        plan.devices.insert(plan.devices.end(), attached->devices.begin(), attached->devices.end());
        plan.rpc = std::move(*attached);
    }
    plan.devices.push_back(nullptr);
    return plan;
}

int split_mode_from_name(const std::string& name) {
    if (name == "none") {
        return LLAMA_SPLIT_MODE_NONE;
    }
    if (name == "layer" || name.empty()) {
        return LLAMA_SPLIT_MODE_LAYER;
    }
    if (name == "row") {
        return LLAMA_SPLIT_MODE_ROW;
    }
    return -1;
}

Result<void> check_split(const DevicePlan& plan, int32_t main_gpu, const std::vector<float>& tensor_split) {
    const size_t n_devices = plan.devices.size() - 1;  // without the terminating null
    if (main_gpu < 0 || (n_devices > 0 && static_cast<size_t>(main_gpu) >= n_devices)) {
        return invalid("main_gpu " + std::to_string(main_gpu) + " is not a device index: this model has " +
                       std::to_string(n_devices) + " offload devices");
    }
    if (tensor_split.size() > std::max<size_t>(n_devices, 1)) {
        return invalid("tensor_split has " + std::to_string(tensor_split.size()) + " shares for " +
                       std::to_string(n_devices) + " offload devices");
    }
    return {};
}

LayerPlacement::LayerPlacement() {
    t_placement = this;
}

LayerPlacement::~LayerPlacement() {
    t_placement = nullptr;
}

void LayerPlacement::observe(std::string_view line) {
    // llama.cpp (llama-model.cpp, load_tensors): "load_tensors: layer   3 assigned to device RPC0, is_swa = 0"
    constexpr std::string_view MARKER = " assigned to device ";
    if (line.find("load_tensors: layer") == std::string_view::npos) {
        return;
    }
    const size_t at = line.find(MARKER);
    if (at == std::string_view::npos) {
        return;
    }
    std::string_view device = line.substr(at + MARKER.size());
    device = device.substr(0, device.find(','));
    const auto it = std::find_if(layers_.begin(), layers_.end(), [&](const auto& e) { return e.first == device; });
    if (it == layers_.end()) {
        layers_.emplace_back(std::string(device), 1);
    } else {
        ++it->second;
    }
}

LayerPlacement* current_layer_placement() {
    return t_placement;
}

}  // namespace hearth::engine
