#pragma once
// hearth-pull.json, the record `hearth pull` keeps in each DIR/org/repo/ it pulls into: where the files came
// from (repo, endpoint, revision), what they are (role, size, sha256) and when they were pulled, one entry per
// pulled tag. The catalog only needs the file to exist (it names the files beside it "org/repo:TAG");
// `hearth rm --files` reads it to know what to delete.
// Thread-safe: update_manifest() serializes writers, across processes too (flock).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "util/result.h"

namespace hearth::pull {

struct ManifestFile {
    std::string path;  // relative to the manifest's folder
    int64_t size = 0;
    std::string sha256;
    std::string role;  // model, part, mmproj, vocoder
};

struct ManifestModel {
    std::string name;  // "org/repo:TAG"
    std::string tag;
    std::string revision;
    std::string pulled_at;  // ISO 8601, UTC
    std::vector<ManifestFile> files;
};

struct Manifest {
    std::string repo;
    std::string endpoint;
    std::vector<ManifestModel> models;
};

// The manifest at `path`; an empty one when there is none. INTERNAL when it cannot be read or parsed.
Result<Manifest> read_manifest(const std::string& path);

// Reads, changes and writes back (through a temporary file and a rename) under an exclusive lock; a manifest
// left with no models is deleted.
Result<void> update_manifest(const std::string& path, const std::function<void(Manifest&)>& change);

}  // namespace hearth::pull
