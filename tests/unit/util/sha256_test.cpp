// SHA-256 against the FIPS 180-4 examples and a file read in chunks.

#include "util/sha256.h"

#include <gtest/gtest.h>

#include <fstream>

#include "temp_dir.h"

namespace hearth {
namespace {

TEST(Sha256, KnownDigests) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // 56 bytes: the padding no longer fits the first block.
    EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, UpdatesInPiecesEqualOneUpdate) {
    const std::string million(1000000, 'a');
    Sha256 pieces;
    for (size_t i = 0; i < million.size(); i += 777) {
        pieces.update(million.data() + i, std::min<size_t>(777, million.size() - i));
    }
    EXPECT_EQ(pieces.hex_digest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, FileDigestAndMissingFile) {
    testing::TempDir dir;
    const auto path = (dir.path() / "f.bin").string();
    std::ofstream(path, std::ios::binary) << std::string(3 << 20, 'a');  // spans several read chunks
    auto digest = sha256_file_hex(path);
    ASSERT_TRUE(digest) << digest.error().message;
    EXPECT_EQ(*digest, sha256_hex(std::string(3 << 20, 'a')));
    auto missing = sha256_file_hex((dir.path() / "nope").string());
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::NOT_FOUND);
}

}  // namespace
}  // namespace hearth
