#include "registry/model_state.h"

namespace hearth::registry {

std::string_view to_string(ModelState state) {
    switch (state) {
        case ModelState::UNLOADED: return "unloaded";
        case ModelState::LOADING: return "loading";
        case ModelState::READY: return "ready";
        case ModelState::UNLOADING: return "unloading";
        case ModelState::FAILED: return "failed";
    }
    return "failed";
}

}  // namespace hearth::registry
