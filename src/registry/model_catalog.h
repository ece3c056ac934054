#pragma once
// Discovers models in a directory: every candidate file (*.gguf, *.bin, *.ggml) found recursively is probed;
// servable ones become entries named by their file name without extension, the rest are kept with the reason
// they cannot be served. A bad file never breaks the scan. Pure function of the directory's contents.
// A projector file named mmproj*.gguf is no model of its own: it goes with the text-generation models of its
// directory (with several projectors there, each model takes the one whose name is most like its own).
// Likewise a vocoder named WavTokenizer*.gguf (any case) goes with the OuteTTS speech models of its directory.

#include <cstdint>
#include <string>
#include <vector>

#include "core/model_file_info.h"

namespace hearth::registry {

struct CatalogEntry {
    std::string id;  // file stem; "<parent>/<stem>" when two files share a stem
    core::ModelFileInfo info;
    int64_t created_unix = 0;  // file modification time: OpenAI's "created"
    // The model's multimodal projector: configured (mmproj), or an mmproj*.gguf found beside a scanned model.
    std::string mmproj;
    // A speech model's vocoder: configured, or a WavTokenizer*.gguf found beside a scanned OuteTTS model; and
    // its folder of speaker profiles: configured, or a speakers/ folder beside it.
    std::string vocoder;
    std::string speakers;
};

struct RejectedFile {
    std::string path;
    std::string reason;
};

struct CatalogScan {
    std::vector<CatalogEntry> models;  // sorted by id
    std::vector<RejectedFile> rejected;
    std::string error;  // set when the directory itself could not be read
};

CatalogScan scan_models_dir(const std::string& dir);

}  // namespace hearth::registry
