#pragma once
// One model's state inside ModelRegistry (private to the registry's .cpp files). Guarded by the registry's
// mutex, except `book`, which has its own.

#include <memory>

#include "core/model_spec.h"
#include "registry/lease_book.h"
#include "registry/model_registry.h"
#include "registry/text_model.h"

namespace hearth::registry {

struct ModelRegistry::Slot {
    ModelStatus status;  // leases and slots are filled at snapshot time
    core::ModelSpec spec;
    bool probed = false;              // the file was readable as a model: loading it may succeed
    std::shared_ptr<TextModel> text;  // while ready (and unloading)
    std::shared_ptr<LeaseBook> book = std::make_shared<LeaseBook>();
};

int64_t steady_now_ms();

}  // namespace hearth::registry
