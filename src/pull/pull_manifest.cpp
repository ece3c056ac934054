#include "pull/pull_manifest.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/file.h>
#include <unistd.h>

#include "util/unique_fd.h"

namespace hearth::pull {

namespace {

using json = nlohmann::json;

json to_json(const Manifest& manifest) {
    json models = json::array();
    for (const ManifestModel& model : manifest.models) {
        json files = json::array();
        for (const ManifestFile& file : model.files) {
            files.push_back({{"path", file.path}, {"size", file.size}, {"sha256", file.sha256}, {"role", file.role}});
        }
        models.push_back({{"name", model.name},
                          {"tag", model.tag},
                          {"revision", model.revision},
                          {"pulled_at", model.pulled_at},
                          {"files", files}});
    }
    return {{"repo", manifest.repo}, {"endpoint", manifest.endpoint}, {"models", models}};
}

std::string text_of(const json& object, const char* key) {
    return object.contains(key) && object[key].is_string() ? object[key].get<std::string>() : "";
}

Manifest from_json(const json& root) {
    Manifest manifest;
    manifest.repo = text_of(root, "repo");
    manifest.endpoint = text_of(root, "endpoint");
    if (!root.contains("models") || !root["models"].is_array()) {
        return manifest;
    }
    for (const json& item : root["models"]) {
        ManifestModel model{
            text_of(item, "name"), text_of(item, "tag"), text_of(item, "revision"), text_of(item, "pulled_at"), {}};
        if (item.contains("files") && item["files"].is_array()) {
            for (const json& file : item["files"]) {
                const int64_t size =
                    file.contains("size") && file["size"].is_number_integer() ? file["size"].get<int64_t>() : 0;
                model.files.push_back({text_of(file, "path"), size, text_of(file, "sha256"), text_of(file, "role")});
            }
        }
        manifest.models.push_back(std::move(model));
    }
    return manifest;
}

// An exclusive flock on "<path>.lock", held until the descriptor closes; -1 when it cannot be had.
UniqueFd lock_manifest(const std::string& path) {
    UniqueFd fd(open((path + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (fd.get() >= 0 && flock(fd.get(), LOCK_EX) != 0) {
        return UniqueFd(-1);
    }
    return fd;
}

}  // namespace

Result<Manifest> read_manifest(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        return Manifest{};
    }
    std::stringstream text;
    text << in.rdbuf();
    const json root = json::parse(text.str(), nullptr, false);
    if (!root.is_object()) {
        return make_error(ErrorCode::INTERNAL, path + " is not a hearth pull manifest (not a JSON object)");
    }
    return from_json(root);
}

Result<void> update_manifest(const std::string& path, const std::function<void(Manifest&)>& change) {
    const UniqueFd lock = lock_manifest(path);
    if (lock.get() < 0) {
        return make_error(ErrorCode::INTERNAL, "cannot lock " + path + ".lock: " + std::strerror(errno));
    }
    auto manifest = read_manifest(path);
    if (!manifest) {
        return manifest.error();
    }
    change(*manifest);
    std::error_code ec;
    if (manifest->models.empty()) {
        std::filesystem::remove(path, ec);
        std::filesystem::remove(path + ".lock", ec);
        return {};
    }
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << to_json(*manifest).dump(2) << "\n";
        if (!out) {
            return make_error(ErrorCode::INTERNAL, "cannot write " + temporary);
        }
    }
    std::filesystem::rename(temporary, path, ec);
    if (ec) {
        return make_error(ErrorCode::INTERNAL, "cannot write " + path + ": " + ec.message());
    }
    return {};
}

}  // namespace hearth::pull
