#include "pull/hub_files.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <optional>

#include "core/model_tag.h"
#include "util/ascii.h"

namespace hearth::pull {

namespace {

using json = nlohmann::json;

std::string file_name(const std::string& path) {
    const size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool is_projector(const std::string& path) {
    const std::string name = ascii_lower(file_name(path));
    return name.rfind("mmproj", 0) == 0 && name.ends_with(".gguf");
}

bool is_vocoder(const std::string& path) {
    const std::string name = ascii_lower(file_name(path));
    return name.rfind("wavtokenizer", 0) == 0 && name.ends_with(".gguf");
}

// A model file: a GGUF other than a projector or vocoder, or a Whisper "ggml-*.bin".
bool is_model(const std::string& path) {
    const std::string name = file_name(path);
    if (name.ends_with(".gguf")) {
        return !is_projector(path) && !is_vocoder(path);
    }
    return name.rfind("ggml-", 0) == 0 && name.ends_with(".bin");
}

std::string tag_of(const std::string& path) {
    std::string tag = core::model_tag_of(path);
    if (!tag.empty()) {
        return tag;
    }
    std::string stem = file_name(path);
    return stem.substr(0, stem.rfind('.'));
}

// The first part's path prefix ("dir/Model-Q8_0") that every part of a split shares.
std::string split_prefix(const std::string& path) {
    return path.substr(0, path.size() - std::string("-00001-of-00003.gguf").size());
}

// A model as a group of files: one file, or the parts of a split in order.
struct ModelGroup {
    std::string tag;
    std::vector<const HubFile*> parts;
    int64_t size = 0;
};

Result<ModelGroup> group_of(const RepoInfo& info, const HubFile& first) {
    ModelGroup group{tag_of(first.path), {&first}, first.size};
    const auto split = core::split_part_of(first.path);
    if (!split) {
        return group;
    }
    const std::string prefix = split_prefix(first.path);
    for (int index = 2; index <= split->count; ++index) {
        char suffix[32];
        std::snprintf(suffix, sizeof suffix, "-%05d-of-%05d.gguf", index, split->count);
        const auto it = std::find_if(info.files.begin(), info.files.end(),
                                     [&](const HubFile& f) { return f.path == prefix + suffix; });
        if (it == info.files.end()) {
            return make_error(ErrorCode::UPSTREAM, info.repo + " lacks part " + std::to_string(index) + " of " +
                                                       std::to_string(split->count) + " of " + first.path);
        }
        group.parts.push_back(&*it);
        group.size += it->size;
    }
    return group;
}

// Every model of the repo: single files and first parts of splits.
std::vector<const HubFile*> model_heads(const RepoInfo& info) {
    std::vector<const HubFile*> heads;
    for (const HubFile& file : info.files) {
        const auto split = core::split_part_of(file.path);
        if (is_model(file.path) && (!split || split->index == 1)) {
            heads.push_back(&file);
        }
    }
    return heads;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) {
        out += (out.empty() ? "" : ", ") + item;
    }
    return out;
}

Result<const HubFile*> pick_head(const RepoInfo& info, const HubRef& ref, const std::vector<const HubFile*>& heads) {
    if (!ref.file.empty()) {
        const auto it = std::find_if(heads.begin(), heads.end(), [&](const HubFile* f) { return f->path == ref.file; });
        if (it == heads.end()) {
            return make_error(ErrorCode::MODEL_NOT_FOUND, info.repo + " has no model file " + ref.file, "model");
        }
        return *it;
    }
    const std::string wanted = ascii_lower(ref.tag.empty() ? "Q4_K_M" : ref.tag);
    for (const HubFile* head : heads) {
        if (ascii_lower(tag_of(head->path)) == wanted) {
            return head;
        }
    }
    if (!ref.tag.empty()) {
        return make_error(ErrorCode::MODEL_NOT_FOUND,
                          info.repo + " has no file for tag " + ref.tag + "; tags: " + joined(repo_tags(info)),
                          "model");
    }
    // No Q4_K_M: the smallest of at least 4 bits, else the smallest.
    const HubFile* best = nullptr;
    for (const bool four_bits : {true, false}) {
        for (const HubFile* head : heads) {
            if ((!four_bits || core::tag_bits(tag_of(head->path)) >= 4) &&
                (best == nullptr || head->size < best->size)) {
                best = head;
            }
        }
        if (best != nullptr) {
            return best;
        }
    }
    return make_error(ErrorCode::MODEL_NOT_FOUND, info.repo + " has no GGUF or ggml model file", "model");
}

// The repo's projector (F16 preferred, else the first by name) or vocoder (the first by name).
std::optional<HubFile> companion(const RepoInfo& info, bool (*matches)(const std::string&)) {
    std::optional<HubFile> found;
    for (const HubFile& file : info.files) {
        if (matches(file.path) && (!found || (ascii_lower(core::model_tag_of(file.path)) == "f16" &&
                                              ascii_lower(core::model_tag_of(found->path)) != "f16"))) {
            found = file;
        }
    }
    return found;
}

}  // namespace

std::string_view to_string(FileRole role) {
    switch (role) {
        case FileRole::MODEL: return "model";
        case FileRole::PART: return "part";
        case FileRole::MMPROJ: return "mmproj";
        case FileRole::VOCODER: return "vocoder";
    }
    return "model";
}

Result<RepoInfo> parse_repo_info(std::string_view text, const std::string& repo) {
    const json root = json::parse(text, nullptr, false);
    if (!root.is_object() || !root.contains("siblings") || !root["siblings"].is_array()) {
        return make_error(ErrorCode::UPSTREAM, "the hub's answer about " + repo + " has no file list");
    }
    RepoInfo info;
    info.repo = repo;
    info.commit = root.contains("sha") && root["sha"].is_string() ? root["sha"].get<std::string>() : "";
    for (const json& sibling : root["siblings"]) {
        if (!sibling.is_object() || !sibling.contains("rfilename") || !sibling["rfilename"].is_string() ||
            !sibling.contains("lfs") || !sibling["lfs"].is_object()) {
            continue;
        }
        const json& lfs = sibling["lfs"];
        if (!lfs.contains("sha256") || !lfs["sha256"].is_string() || !lfs.contains("size") ||
            !lfs["size"].is_number_integer() || lfs["size"].get<int64_t>() < 0) {
            continue;
        }
        info.files.push_back({sibling["rfilename"].get<std::string>(), lfs["size"].get<int64_t>(),
                              ascii_lower(lfs["sha256"].get<std::string>())});
    }
    std::sort(info.files.begin(), info.files.end(), [](const HubFile& a, const HubFile& b) { return a.path < b.path; });
    return info;
}

std::vector<std::string> repo_tags(const RepoInfo& info) {
    std::vector<std::string> tags;
    for (const HubFile* head : model_heads(info)) {
        tags.push_back(tag_of(head->path));
    }
    std::sort(tags.begin(), tags.end());
    tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
    return tags;
}

Result<Selection> select_files(const RepoInfo& info, const HubRef& ref) {
    auto head = pick_head(info, ref, model_heads(info));
    if (!head) {
        return head.error();
    }
    auto group = group_of(info, **head);
    if (!group) {
        return group.error();
    }
    Selection selection;
    selection.tag = group->tag;
    for (size_t i = 0; i < group->parts.size(); ++i) {
        selection.files.push_back({*group->parts[i], i == 0 ? FileRole::MODEL : FileRole::PART});
    }
    if (auto projector = companion(info, &is_projector)) {
        selection.files.push_back({*projector, FileRole::MMPROJ});
    }
    if (auto vocoder = companion(info, &is_vocoder)) {
        selection.files.push_back({*vocoder, FileRole::VOCODER});
    }
    return selection;
}

}  // namespace hearth::pull
