#include "registry/model_catalog.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iterator>
#include <set>

#include "engine/model_probe.h"

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
        if (it->is_regular_file(ec) && is_candidate(it->path())) {
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

// The stem; on a collision the relative path without extension ("a/dup"), then with it ("a/dup.bin"), then a
// numbered suffix. Ids never start with "./", so every id is reachable as a plain URL path.
std::string unique_id(const fs::path& path, const fs::path& root, std::set<std::string>& taken) {
    const fs::path relative = path.lexically_relative(root);
    const std::string candidates[] = {path.stem().string(), (relative.parent_path() / path.stem()).generic_string(),
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
        scan.models.push_back({unique_id(path, root, taken), std::move(probed).value(), modified_unix(path)});
    }
    std::sort(scan.models.begin(), scan.models.end(),
              [](const CatalogEntry& a, const CatalogEntry& b) { return a.id < b.id; });
    return scan;
}

}  // namespace hearth::registry
