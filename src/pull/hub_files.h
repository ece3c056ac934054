#pragma once
// A hub repository's files (its API's answer) and the ones a pull takes: the model file of the asked-for or
// default tag with all its split parts, plus the repo's vision projector (mmproj*.gguf) and speech vocoder
// (WavTokenizer*.gguf) when it has them, so that they pair with the model once pulled.
// Thread-safe: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pull/hub_ref.h"
#include "util/result.h"

namespace hearth::pull {

struct HubFile {
    std::string path;  // in the repo
    int64_t size = 0;
    std::string sha256;  // the LFS object id: what the downloaded bytes must hash to
};

struct RepoInfo {
    std::string repo;
    std::string commit;
    std::vector<HubFile> files;  // LFS files only: a model is never a plain git blob
};

// The hub's GET /api/models/{repo}/revision/{rev}?blobs=true answer. UPSTREAM when it is not that.
Result<RepoInfo> parse_repo_info(std::string_view json, const std::string& repo);

enum class FileRole { MODEL, PART, MMPROJ, VOCODER };
std::string_view to_string(FileRole role);

struct PickedFile {
    HubFile file;
    FileRole role = FileRole::MODEL;
};

struct Selection {
    std::string tag;                // as the file names it (Q4_K_M, F16, base.en); the model's stem if none
    std::vector<PickedFile> files;  // the model (first part first), its other parts, projector, vocoder
};

// The default tag: Q4_K_M when the repo has it, else the smallest model among tags of at least 4 bits (Q4_*,
// IQ4_*, Q5_*, Q6_K, Q8_0, F16, BF16, F32), else the smallest model. MODEL_NOT_FOUND when the repo has no
// model file, no file `ref.file`, or no file of `ref.tag` (the message lists the tags it has); UPSTREAM when
// a split model misses parts.
Result<Selection> select_files(const RepoInfo& info, const HubRef& ref);

// The tags of the repo's model files, sorted.
std::vector<std::string> repo_tags(const RepoInfo& info);

}  // namespace hearth::pull
