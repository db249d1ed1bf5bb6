#include "io/pytorch_bin.h"

#include <gtest/gtest.h>

#include <cstring>

#include "io/io_test_util.h"
#include "io/pickle_builder.h"
#include "io/safetensors.h"

namespace ufb::io {
namespace {

using testing::error_message;
using testing::fixture;
using testing::pickle_state_dict;
using testing::pickle_tensor;
using testing::TempDir;
using testing::ZipRecords;

TEST(PytorchBin, MatchesSafetensorsForStorageViews) {
  const PytorchBinFile bin(fixture("views/views.bin"));
  const SafetensorsFile safetensors(fixture("views/views.safetensors"));
  ASSERT_EQ(bin.tensors().size(), 8u);
  for (const RawTensor& tensor : bin.tensors()) {
    const RawTensor* expected = safetensors.find(tensor.name);
    ASSERT_NE(expected, nullptr) << tensor.name;
    EXPECT_EQ(tensor.dtype, expected->dtype) << tensor.name;
    EXPECT_EQ(tensor.shape, expected->shape) << tensor.name;
    ASSERT_EQ(tensor.bytes.size(), expected->bytes.size()) << tensor.name;
    EXPECT_EQ(std::memcmp(tensor.bytes.data(), expected->bytes.data(), tensor.bytes.size()), 0)
        << tensor.name;
  }
  // "row" and "rows" are views into the storage of "base" at element offsets 6 and 3.
  EXPECT_EQ(bin.find("row")->bytes.data(), bin.find("base")->bytes.data() + 6 * 4);
  EXPECT_EQ(bin.find("rows")->bytes.data(), bin.find("base")->bytes.data() + 3 * 4);
}

TEST(PytorchBin, ReadsAnArchiveHeldInMemory) {
  const PytorchBinFile from_file(fixture("views/views.bin"));
  std::vector<std::byte> bytes = testing::read_bytes(fixture("views/views.bin"));
  const PytorchBinFile from_memory(bytes, "views.bin");
  bytes.assign(bytes.size(), std::byte{0});  // the tensors were copied out
  EXPECT_EQ(from_memory.source_name(), "views.bin");
  testing::expect_same_tensors(from_memory.tensors(), from_file.tensors());
  const std::vector<std::byte> not_a_zip = testing::to_bytes("\x80\x02}.");
  EXPECT_EQ(error_message([&] { PytorchBinFile file(not_a_zip, "in-memory.bin"); }),
            "in-memory.bin: is not a readable zip archive (torch.save has written zip archives "
            "since PyTorch 1.6): Not a zip archive");
  EXPECT_EQ(error_message([] { PytorchBinFile file(std::span<const std::byte>(), "empty.bin"); }),
            "empty.bin: has no <folder>/data.pkl record, so it is not a torch.save archive");
}

class PytorchBinErrors : public ::testing::Test {
 protected:
  std::string error_for(const ZipRecords& records, bool compress = false) {
    testing::write_zip(path_, records, compress);
    return error_message([&] { PytorchBinFile file(path_); });
  }
  std::string error_for_pickle(const std::string& pickle, std::vector<std::byte> storage) {
    return error_for(
        {{"archive/data.pkl", testing::to_bytes(pickle)}, {"archive/data/0", std::move(storage)}});
  }

  TempDir dir_;
  std::filesystem::path path_ = dir_ / "pytorch_model.bin";
  std::string source_ = path_.string();
};

TEST_F(PytorchBinErrors, RefusesNonContiguousTensor) {
  EXPECT_EQ(error_message([] { PytorchBinFile file(fixture("views/noncontiguous.bin")); }),
            fixture("views/noncontiguous.bin").string() +
                ": tensor transposed is not contiguous (shape [3,4], strides [1,3]); save it "
                "after .contiguous()");
}

TEST_F(PytorchBinErrors, RefusesArchivesThatAreNotTorchSaves) {
  testing::write_text(path_, "\x80\x02}.");  // a pre-1.6 pickle, not a zip
  EXPECT_EQ(error_message([&] { PytorchBinFile file(path_); }),
            source_ +
                ": is not a readable zip archive (torch.save has written zip archives "
                "since PyTorch 1.6): Not a zip archive");
  EXPECT_EQ(error_for({{"archive/version", testing::to_bytes("3\n")}}),
            source_ + ": has no <folder>/data.pkl record, so it is not a torch.save archive");
  EXPECT_EQ(
      error_for({{"a/data.pkl", testing::to_bytes("")}, {"b/data.pkl", testing::to_bytes("")}}),
      source_ + ": holds more than one data.pkl (a, b)");
  EXPECT_EQ(error_for({{"archive/byteorder", testing::to_bytes("big")},
                       {"archive/data.pkl", testing::to_bytes(pickle_state_dict({}))}}),
            source_ + ": has byte order \"big\", only \"little\" is supported");
}

TEST_F(PytorchBinErrors, RefusesGlobalsInsideARealArchiveWithoutRunningThem) {
  ZipRecords records = testing::read_zip(fixture("fff_mlm/pytorch_model.bin"));
  const std::filesystem::path marker = dir_ / "pwned";
  records[0].second = testing::to_bytes(
      "\x80\x02"
      "cos\nsystem\n" +
      testing::pickle_string("touch " + marker.string()) + "\x85R.");
  EXPECT_EQ(error_for(records),
            source_ +
                ": pytorch_model/data.pkl: at byte 2, global os.system is not allowed "
                "(only tensors and their storages may be loaded)");
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST_F(PytorchBinErrors, RefusesStorageProblems) {
  testing::TensorPickle tensor;  // F32 storage "0" of 4 elements, shape [4]
  const std::string good = pickle_state_dict({{"w", pickle_tensor(tensor)}});
  EXPECT_EQ(error_for({{"archive/data.pkl", testing::to_bytes(good)}}),
            source_ + ": has no record archive/data/0");
  EXPECT_EQ(error_for_pickle(good, std::vector<std::byte>(12)),
            source_ + ": tensor w: record archive/data/0 is 12 bytes, its storage declares 16");
  EXPECT_EQ(error_for_pickle(good, std::vector<std::byte>(20)),
            source_ + ": record archive/data/0 is 20 bytes, more than the 16 expected");
  EXPECT_EQ(error_for({{"archive/data.pkl", testing::to_bytes(good)},
                       {"archive/data/0", std::vector<std::byte>(16)}},
                      /*compress=*/true),
            source_ +
                ": record archive/data.pkl is compressed (method 8); torch.save stores "
                "records uncompressed");

  testing::TensorPickle past_end = tensor;
  past_end.storage_offset = 2;
  past_end.shape = {3};
  EXPECT_EQ(error_for_pickle(pickle_state_dict({{"w", pickle_tensor(past_end)}}),
                             std::vector<std::byte>(16)),
            source_ +
                ": tensor w with shape [3] at offset 2 runs past the end of its storage of "
                "4 elements");
  testing::TensorPickle half_view = tensor;
  half_view.storage_type = "HalfStorage";
  EXPECT_EQ(error_for_pickle(
                pickle_state_dict({{"w", pickle_tensor(tensor)}, {"v", pickle_tensor(half_view)}}),
                std::vector<std::byte>(16)),
            source_ +
                ": tensor v declares storage 0 with another type or size than an earlier "
                "tensor");
  testing::TensorPickle strided = tensor;
  strided.shape = {2};
  strided.stride = {2};
  EXPECT_EQ(error_for_pickle(pickle_state_dict({{"w", pickle_tensor(strided)}}),
                             std::vector<std::byte>(16)),
            source_ +
                ": tensor w is not contiguous (shape [2], strides [2]); save it after "
                ".contiguous()");
  testing::TensorPickle huge = tensor;
  huge.shape = {1 << 30, 1 << 30, 1 << 30};
  huge.stride = {1, 1, 1};
  EXPECT_EQ(
      error_for_pickle(pickle_state_dict({{"w", pickle_tensor(huge)}}), std::vector<std::byte>(16)),
      source_ +
          ": tensor w has shape [1073741824,1073741824,1073741824], whose size "
          "overflows 64 bits");
}

}  // namespace
}  // namespace ufb::io
