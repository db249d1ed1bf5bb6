#include "io/torch_pickle.h"

#include <gtest/gtest.h>

#include "io/io_test_util.h"
#include "io/pickle_builder.h"

namespace ufb::io {
namespace {

using namespace std::string_literals;
using testing::error_message;
using testing::pickle_state_dict;
using testing::pickle_string;
using testing::pickle_tensor;

std::vector<PickledTensor> read(const std::string& pickle) {
  return read_state_dict_pickle(testing::to_bytes(pickle), "data.pkl");
}

std::string error_for(const std::string& pickle) {
  return error_message([&] { read(pickle); });
}

TEST(TorchPickle, ReadsTorchSaveStateDict) {
  const testing::ZipRecords records =
      testing::read_zip(testing::fixture("fff_mlm/pytorch_model.bin"));
  ASSERT_EQ(records[0].first, "pytorch_model/data.pkl");
  const std::vector<PickledTensor> tensors = read_state_dict_pickle(records[0].second, "data.pkl");
  ASSERT_EQ(tensors.size(), 27u);
  EXPECT_EQ(tensors[0].name, "encoder.embedding.word_embedding.weight");
  EXPECT_EQ(tensors[0].dtype, DType::kF32);
  EXPECT_EQ(tensors[0].shape, (std::vector<std::int64_t>{30, 8}));
  EXPECT_EQ(tensors[0].stride, (std::vector<std::int64_t>{8, 1}));
  EXPECT_EQ(tensors[0].storage_elements, 240u);
  EXPECT_EQ(tensors.back().name, "decoder.weight");
  EXPECT_EQ(tensors.back().storage_key, tensors[0].storage_key) << "tied weights share storage";
}

TEST(TorchPickle, ReadsHandWrittenTensorViews) {
  testing::TensorPickle view;
  view.storage_type = "HalfStorage";
  view.storage_key = "7";
  view.storage_elements = 300;
  view.storage_offset = 260;
  view.shape = {2, 20};
  view.stride = {20, 1};
  const std::vector<PickledTensor> tensors = read(pickle_state_dict({{"w", pickle_tensor(view)}}));
  ASSERT_EQ(tensors.size(), 1u);
  EXPECT_EQ(tensors[0].name, "w");
  EXPECT_EQ(tensors[0].dtype, DType::kF16);
  EXPECT_EQ(tensors[0].storage_key, "7");
  EXPECT_EQ(tensors[0].storage_elements, 300u);
  EXPECT_EQ(tensors[0].storage_offset, 260);
  EXPECT_EQ(tensors[0].shape, (std::vector<std::int64_t>{2, 20}));
}

TEST(TorchPickle, RefusesOsSystemWithoutRunningIt) {
  const testing::TempDir dir;
  const std::filesystem::path marker = dir / "pwned";
  // What `pickle.dumps` makes of a __reduce__ returning (os.system, ("touch <marker>",)).
  const std::string exploit =
      "\x80\x02"
      "cos\nsystem\nq\x00"s +
      pickle_string("touch " + marker.string()) + "\x85R.";
  EXPECT_EQ(error_for(exploit),
            "data.pkl: at byte 2, global os.system is not allowed (only tensors and their "
            "storages may be loaded)");
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_EQ(error_for(pickle_state_dict({{"w", "cbuiltins\neval\n"}})),
            "data.pkl: at byte 10, global builtins.eval is not allowed (only tensors and their "
            "storages may be loaded)");
  EXPECT_EQ(error_for("\x80\x02"
                      "ctorch._utils\n_rebuild_tensor\n."),
            "data.pkl: at byte 2, global torch._utils._rebuild_tensor is not allowed (only "
            "tensors and their storages may be loaded)");
}

TEST(TorchPickle, RefusesOpcodesOutsideTheStateDictSubset) {
  EXPECT_EQ(error_for("\x80\x02(i__main__\nX\n."),
            "data.pkl: at byte 3, opcode INST (0x69) is not allowed (a torch.save state dict "
            "never contains it)");
  EXPECT_EQ(error_for("\x80\x02" + pickle_string("os") + pickle_string("system") + "\x93."),
            "data.pkl: at byte 20, opcode STACK_GLOBAL (0x93) is not allowed (a torch.save "
            "state dict never contains it)");
  EXPECT_EQ(error_for("\x80\x02\xff."),
            "data.pkl: at byte 2, opcode unknown 0xff is not allowed (a torch.save state dict "
            "never contains it)");
  EXPECT_EQ(error_for("\x80\x04}."),
            "data.pkl: at byte 0, pickle protocol 4 is used, expected 2 (what torch.save "
            "writes)");
}

TEST(TorchPickle, RefusesMalformedStreams) {
  EXPECT_EQ(error_for(""), "data.pkl: is empty");
  EXPECT_EQ(error_for("\x80\x02}"), "data.pkl: ends at byte 3, before its STOP opcode");
  EXPECT_EQ(error_for("\x80\x02X\xff\x00\x00\x00"
                      "ab."s),
            "data.pkl: at byte 2, a string of 255 bytes runs past the end");
  EXPECT_EQ(error_for(std::string("\x80\x02s.", 4)), "data.pkl: at byte 2, the stack is empty");
  EXPECT_EQ(error_for("\x80\x02}(K\x01u."), "data.pkl: at byte 6, a dict key has no value");
  EXPECT_EQ(error_for("\x80\x02}u."), "data.pkl: at byte 3, no MARK was set");
  EXPECT_EQ(error_for("\x80\x02h\x05."),
            "data.pkl: at byte 2, memo entry 5 is read but was never set");
  EXPECT_EQ(error_for("\x80\x02K\x01}b."),
            "data.pkl: at byte 5, BUILD is applied to something other than a dict");
  EXPECT_EQ(error_for("\x80\x02K\x01K\x02."), "data.pkl: does not end with exactly one object");
  EXPECT_EQ(error_for("\x80\x02K\x01."),
            "data.pkl: does not hold a dict of tensors (a state dict)");
  EXPECT_EQ(error_for(pickle_state_dict({{"step", "K\x05"}})),
            "data.pkl: has state dict entry step that is not a tensor");
  EXPECT_EQ(error_for("\x80\x02\x8a\x09" + std::string(9, '\x01') + "."),
            "data.pkl: at byte 2, a LONG1 integer has 9 bytes, at most 8 fit");
  const std::string tensor = pickle_tensor({});
  EXPECT_EQ(error_for(pickle_state_dict({{"w", tensor}, {"w", tensor}})),
            "data.pkl: names tensor w twice");
  testing::TensorPickle bad_storage;
  bad_storage.storage_type = "IntStorage";
  EXPECT_EQ(error_for(pickle_state_dict({{"w", pickle_tensor(bad_storage)}})),
            "data.pkl: at byte 57, global torch.IntStorage is not allowed (only tensors and their "
            "storages may be loaded)");
  EXPECT_EQ(error_for("\x80\x02"
                      "ctorch._utils\n_rebuild_tensor_v2\n"
                      "(K\x01t"
                      "R."),
            "data.pkl: at byte 39, _rebuild_tensor_v2 gets 1 arguments, expected 6 or 7");
  EXPECT_EQ(error_for("\x80\x02"
                      "ctorch\nFloatStorage\n" +
                      pickle_string("x") + "\x85Q."),
            "data.pkl: at byte 29, a persistent id is not ('storage', type, key, location, size)");
}

TEST(TorchPickle, EveryTruncationOfARealPickleIsAnError) {
  const testing::ZipRecords records = testing::read_zip(testing::fixture("views/views.bin"));
  const std::vector<std::byte>& pickle = records[0].second;
  for (std::size_t size = 0; size < pickle.size(); ++size) {
    const std::string message =
        error_message([&] { read_state_dict_pickle(std::span(pickle).first(size), "data.pkl"); });
    EXPECT_EQ(message.rfind("data.pkl: ", 0), 0u) << size << ": " << message;
  }
}

}  // namespace
}  // namespace ufb::io
