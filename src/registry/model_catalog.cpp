#include "registry/model_catalog.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iterator>
#include <map>
#include <set>

#include "core/model_tag.h"
#include "engine/model_probe.h"
#include "util/ascii.h"

namespace hearth::registry {

namespace fs = std::filesystem;

namespace {

bool is_candidate(const fs::path& path) {
    const std::string ext = path.extension().string();
    return ext == ".gguf" || ext == ".bin" || ext == ".ggml";
}

bool is_hidden(const fs::path& path) {
    const std::string name = path.filename().string();
    return !name.empty() && name[0] == '.';
}

// Candidate files in a stable order, so that naming on collisions does not depend on the file system.
std::vector<fs::path> list_candidates(const fs::path& root, std::string& error) {
    std::vector<fs::path> out;
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
        error = "cannot read models directory " + root.string() + ": " + ec.message();
        return out;
    }
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) {
            break;
        }
        if (is_hidden(it->path())) {
            if (it->is_directory(ec)) {
                it.disable_recursion_pending();
            }
            continue;
        }
        // The parts of a split GGUF after the first are loaded with it: no models of their own.
        const auto part = core::split_part_of(it->path().filename().string());
        if (it->is_regular_file(ec) && is_candidate(it->path()) && (!part || part->index == 1)) {
            out.push_back(it->path());
        }
    }
    // Shallow files first, so that a file at the top of the directory keeps the plain stem on a collision.
    std::sort(out.begin(), out.end(), [](const fs::path& a, const fs::path& b) {
        const auto depth_a = std::distance(a.begin(), a.end());
        const auto depth_b = std::distance(b.begin(), b.end());
        return depth_a != depth_b ? depth_a < depth_b : a < b;
    });
    return out;
}

// A file pulled into DIR/org/repo/ (beside hearth pull's manifest) is "org/repo:TAG", its quantization tag (or
// its stem when the name has none); empty for any other file.
std::string pulled_name(const fs::path& path, const fs::path& root) {
    const fs::path relative = path.lexically_relative(root);
    if (std::distance(relative.begin(), relative.end()) < 3) {
        return {};
    }
    auto part = relative.begin();
    const std::string org = (part++)->string();
    const std::string repo = part->string();
    std::error_code ec;
    if (!fs::is_regular_file(root / org / repo / core::PULL_MANIFEST, ec)) {
        return {};
    }
    std::string tag = core::model_tag_of(path.filename().string());
    return org + "/" + repo + ":" + (tag.empty() ? path.stem().string() : tag);
}

// A pulled file's name; else the stem; on a collision the relative path without extension ("a/dup"), then
// with it ("a/dup.bin"), then a numbered suffix. Ids never start with "./", so every id is reachable as a
// plain URL path.
std::string unique_id(const fs::path& path, const fs::path& root, std::set<std::string>& taken) {
    const fs::path relative = path.lexically_relative(root);
    const std::string pulled = pulled_name(path, root);
    const std::string candidates[] = {pulled.empty() ? path.stem().string() : pulled,
                                      (relative.parent_path() / path.stem()).generic_string(),
                                      relative.generic_string()};
    for (const std::string& id : candidates) {
        if (taken.insert(id).second) {
            return id;
        }
    }
    for (int n = 2;; ++n) {
        std::string id = relative.generic_string() + "#" + std::to_string(n);
        if (taken.insert(id).second) {
            return id;
        }
    }
}

int64_t modified_unix(const fs::path& path) {
    std::error_code ec;
    const auto written = fs::last_write_time(path, ec);
    if (ec) {
        return 0;
    }
    const auto sys = std::chrono::file_clock::to_sys(written);
    return std::chrono::duration_cast<std::chrono::seconds>(sys.time_since_epoch()).count();
}

bool is_projector_name(const fs::path& path) {
    return path.filename().string().rfind("mmproj", 0) == 0 && path.extension() == ".gguf";
}

size_t shared_prefix(const std::string& a, const std::string& b) {
    size_t n = 0;
    while (n < a.size() && n < b.size() && a[n] == b[n]) {
        ++n;
    }
    return n;
}

// The projector of `dir` most like the model's file name ("mmproj-Qwen2.5-VL-7B-f16" for "Qwen2.5-VL-7B-Q4_K_M"):
// the longest shared prefix once "mmproj" and its separator are dropped; the first in name order on a tie.
const RejectedFile* best_projector(const std::vector<const RejectedFile*>& projectors, const fs::path& model) {
    const RejectedFile* best = nullptr;
    size_t best_len = 0;
    for (const RejectedFile* file : projectors) {
        std::string stem = fs::path(file->path).stem().string().substr(6);
        if (!stem.empty() && (stem[0] == '-' || stem[0] == '_' || stem[0] == '.')) {
            stem.erase(0, 1);
        }
        const size_t len = shared_prefix(stem, model.stem().string());
        if (best == nullptr || len > best_len) {
            best = file;
            best_len = len;
        }
    }
    return best;
}

// Gives each text-generation model the projector beside it, and drops paired projectors from the rejected list.
void pair_projectors(CatalogScan& scan) {
    std::map<fs::path, std::vector<const RejectedFile*>> by_dir;
    for (const RejectedFile& file : scan.rejected) {
        if (is_projector_name(file.path)) {
            by_dir[fs::path(file.path).parent_path()].push_back(&file);
        }
    }
    std::set<std::string> paired;
    for (CatalogEntry& entry : scan.models) {
        const fs::path path(entry.info.path);
        const auto it = by_dir.find(path.parent_path());
        if (entry.info.kind != core::ModelKind::LLM || it == by_dir.end()) {
            continue;
        }
        const RejectedFile* projector = best_projector(it->second, path);
        entry.mmproj = projector->path;
        paired.insert(projector->path);
    }
    std::erase_if(scan.rejected, [&](const RejectedFile& file) { return paired.contains(file.path); });
}

bool is_vocoder_name(const fs::path& path) {
    const std::string name = ascii_lower(path.filename().string());
    return name.rfind("wavtokenizer", 0) == 0 && path.extension() == ".gguf";
}

// Gives each OuteTTS model the vocoder of its directory (the first by name) and its speakers/ folder.
void pair_vocoders(CatalogScan& scan) {
    std::map<fs::path, std::string> by_dir;
    for (const RejectedFile& file : scan.rejected) {
        const fs::path path(file.path);
        if (is_vocoder_name(path) && !by_dir.contains(path.parent_path())) {
            by_dir[path.parent_path()] = file.path;
        }
    }
    std::set<std::string> paired;
    for (CatalogEntry& entry : scan.models) {
        if (entry.info.kind != core::ModelKind::TTS) {
            continue;
        }
        const fs::path dir = fs::path(entry.info.path).parent_path();
        std::error_code ec;
        if (fs::is_directory(dir / "speakers", ec)) {
            entry.speakers = (dir / "speakers").string();
        }
        if (const auto it = by_dir.find(dir); it != by_dir.end()) {
            entry.vocoder = it->second;
            paired.insert(it->second);
        }
    }
    std::erase_if(scan.rejected, [&](const RejectedFile& file) { return paired.contains(file.path); });
}

}  // namespace

CatalogScan scan_models_dir(const std::string& dir) {
    CatalogScan scan;
    const fs::path root(dir);
    std::set<std::string> taken;
    for (const fs::path& path : list_candidates(root, scan.error)) {
        auto probed = engine::probe_model_file(path.string());
        if (!probed) {
            scan.rejected.push_back({path.string(), probed.error().message});
            continue;
        }
        scan.models.push_back(
            {unique_id(path, root, taken), std::move(probed).value(), modified_unix(path), {}, {}, {}});
    }
    std::sort(scan.models.begin(), scan.models.end(),
              [](const CatalogEntry& a, const CatalogEntry& b) { return a.id < b.id; });
    pair_projectors(scan);
    pair_vocoders(scan);
    return scan;
}

}  // namespace hearth::registry
