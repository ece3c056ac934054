#pragma once
// Lifecycle of a model: unloaded -> loading -> ready -> unloading -> unloaded, and failed (with a reason).

#include <string_view>

namespace hearth::registry {

enum class ModelState { UNLOADED, LOADING, READY, UNLOADING, FAILED };

std::string_view to_string(ModelState state);

}  // namespace hearth::registry
