// Named model shapes: real architectures at their published sizes, and tiny variants for fast tests.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model_config.h"

namespace hearth::mkmodel {

struct Preset {
    std::string name;
    std::string summary;
    ModelConfig config;
};

const std::vector<Preset>& all_presets();

// The preset's configuration (type and seed at their defaults), or nothing for an unknown name.
std::optional<ModelConfig> find_preset(const std::string& name);

}  // namespace hearth::mkmodel
