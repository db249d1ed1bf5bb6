#include "io/torch_pickle.h"

#include <array>
#include <cstdio>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

#include "ufb/error.h"
#include "ufb/io/raw_tensor.h"

namespace ufb::io {
namespace {

// The opcodes torch.save uses for a state dict, the only ones interpreted.
enum class Op : std::uint8_t {
  kProto = 0x80,
  kStop = '.',
  kMark = '(',
  kEmptyTuple = ')',
  kEmptyDict = '}',
  kNone = 'N',
  kNewTrue = 0x88,
  kNewFalse = 0x89,
  kBinInt = 'J',
  kBinInt1 = 'K',
  kBinInt2 = 'M',
  kLong1 = 0x8a,
  kBinUnicode = 'X',
  kTuple = 't',
  kTuple1 = 0x85,
  kTuple2 = 0x86,
  kTuple3 = 0x87,
  kSetItem = 's',
  kSetItems = 'u',
  kBinPut = 'q',
  kLongBinPut = 'r',
  kBinGet = 'h',
  kLongBinGet = 'j',
  kGlobal = 'c',
  kBinPersId = 'Q',
  kReduce = 'R',
  kBuild = 'b',
};

// Every opcode of pickle protocols 0-5, so that a refusal can name what it refused.
constexpr std::array<std::pair<std::uint8_t, std::string_view>, 68> kOpcodeNames = {{
    {0x28, "MARK"},         {0x29, "EMPTY_TUPLE"},
    {0x2e, "STOP"},         {0x30, "POP"},
    {0x31, "POP_MARK"},     {0x32, "DUP"},
    {0x42, "BINBYTES"},     {0x43, "SHORT_BINBYTES"},
    {0x46, "FLOAT"},        {0x47, "BINFLOAT"},
    {0x49, "INT"},          {0x4a, "BININT"},
    {0x4b, "BININT1"},      {0x4c, "LONG"},
    {0x4d, "BININT2"},      {0x4e, "NONE"},
    {0x50, "PERSID"},       {0x51, "BINPERSID"},
    {0x52, "REDUCE"},       {0x53, "STRING"},
    {0x54, "BINSTRING"},    {0x55, "SHORT_BINSTRING"},
    {0x56, "UNICODE"},      {0x58, "BINUNICODE"},
    {0x5d, "EMPTY_LIST"},   {0x61, "APPEND"},
    {0x62, "BUILD"},        {0x63, "GLOBAL"},
    {0x64, "DICT"},         {0x65, "APPENDS"},
    {0x67, "GET"},          {0x68, "BINGET"},
    {0x69, "INST"},         {0x6a, "LONG_BINGET"},
    {0x6c, "LIST"},         {0x6f, "OBJ"},
    {0x70, "PUT"},          {0x71, "BINPUT"},
    {0x72, "LONG_BINPUT"},  {0x73, "SETITEM"},
    {0x74, "TUPLE"},        {0x75, "SETITEMS"},
    {0x7d, "EMPTY_DICT"},   {0x80, "PROTO"},
    {0x81, "NEWOBJ"},       {0x82, "EXT1"},
    {0x83, "EXT2"},         {0x84, "EXT4"},
    {0x85, "TUPLE1"},       {0x86, "TUPLE2"},
    {0x87, "TUPLE3"},       {0x88, "NEWTRUE"},
    {0x89, "NEWFALSE"},     {0x8a, "LONG1"},
    {0x8b, "LONG4"},        {0x8c, "SHORT_BINUNICODE"},
    {0x8d, "BINUNICODE8"},  {0x8e, "BINBYTES8"},
    {0x8f, "EMPTY_SET"},    {0x90, "ADDITEMS"},
    {0x91, "FROZENSET"},    {0x92, "NEWOBJ_EX"},
    {0x93, "STACK_GLOBAL"}, {0x94, "MEMOIZE"},
    {0x95, "FRAME"},        {0x96, "BYTEARRAY8"},
    {0x97, "NEXT_BUFFER"},  {0x98, "READONLY_BUFFER"},
}};

std::string opcode_name(std::uint8_t code) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02x", code);
  for (const auto& [value, name] : kOpcodeNames) {
    if (value == code) return std::string(name) + " (" + hex + ")";
  }
  return std::string("unknown ") + hex;
}

// The globals a state dict needs. They are never imported or called: REDUCE on one of them is
// interpreted here.
enum class Callable : std::uint8_t { kOrderedDict, kRebuildTensorV2, kRebuildParameter, kStorage };

struct KnownGlobal {
  std::string_view module;
  std::string_view name;
  Callable callable;
  DType dtype;  // for storage types
};

constexpr std::array<KnownGlobal, 7> kKnownGlobals = {{
    {"collections", "OrderedDict", Callable::kOrderedDict, DType::kF32},
    {"torch._utils", "_rebuild_tensor_v2", Callable::kRebuildTensorV2, DType::kF32},
    {"torch._utils", "_rebuild_parameter", Callable::kRebuildParameter, DType::kF32},
    {"torch", "FloatStorage", Callable::kStorage, DType::kF32},
    {"torch", "HalfStorage", Callable::kStorage, DType::kF16},
    {"torch", "BFloat16Storage", Callable::kStorage, DType::kBF16},
    {"torch", "LongStorage", Callable::kStorage, DType::kI64},
}};

enum class Kind : std::uint8_t {
  kNone,
  kBool,
  kInt,
  kString,
  kTuple,
  kDict,
  kGlobal,
  kStorage,
  kTensor
};

// Objects live in one arena and refer to each other by index, so that memo sharing and even
// cycles a hostile file may build cost nothing and leak nothing.
using ObjectId = std::size_t;

// A state dict has a few dozen objects per tensor; this bounds what a hostile file can make us
// allocate long before memory runs out.
constexpr std::size_t kMaxObjects = std::size_t{1} << 22;

struct Object {
  Kind kind = Kind::kNone;
  // kBool, kInt: the value. kStorage, kTensor: index into Unpickler::tensors_ (a storage is
  // kept as a PickledTensor with only dtype, storage_key and storage_elements set).
  std::int64_t integer = 0;
  std::string text;                     // kString
  std::vector<ObjectId> items;          // kTuple; kDict as key, value, key, value, ...
  const KnownGlobal* global = nullptr;  // kGlobal
};

class Unpickler {
 public:
  Unpickler(std::span<const std::byte> pickle, const std::string& source)
      : pickle_(pickle), source_(source) {}

  std::vector<PickledTensor> run() {
    if (pickle_.empty()) fail("is empty");
    while (true) {
      opcode_at_ = position_;
      const std::uint8_t code = read_u8();
      if (static_cast<Op>(code) == Op::kStop) break;
      execute(code);
    }
    if (stack_.size() != 1 || !marks_.empty()) fail("does not end with exactly one object");
    return state_dict(stack_.back());
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw Error(source_ + ": " + what); }
  [[noreturn]] void fail_at(const std::string& what) const {
    fail("at byte " + std::to_string(opcode_at_) + ", " + what);
  }

  void execute(std::uint8_t code) {
    switch (static_cast<Op>(code)) {
      case Op::kProto: {
        const std::uint8_t protocol = read_u8();
        if (protocol != 2) {
          fail_at("pickle protocol " + std::to_string(protocol) +
                  " is used, expected 2 (what torch.save writes)");
        }
        return;
      }
      case Op::kMark: marks_.push_back(stack_.size()); return;
      case Op::kEmptyTuple: push(make(Kind::kTuple)); return;
      case Op::kEmptyDict: push(make(Kind::kDict)); return;
      case Op::kNone: push(make(Kind::kNone)); return;
      case Op::kNewTrue: push(make_int(Kind::kBool, 1)); return;
      case Op::kNewFalse: push(make_int(Kind::kBool, 0)); return;
      case Op::kBinInt1: push(make_int(Kind::kInt, read_u8())); return;
      case Op::kBinInt2: push(make_int(Kind::kInt, read_unsigned(2))); return;
      case Op::kBinInt:
        push(make_int(Kind::kInt, static_cast<std::int32_t>(read_unsigned(4))));
        return;
      case Op::kLong1: push(make_int(Kind::kInt, read_long1())); return;
      case Op::kBinUnicode: push_string(read_unsigned(4)); return;
      case Op::kTuple: push_tuple(pop_mark()); return;
      case Op::kTuple1: push_tuple(pop_top(1)); return;
      case Op::kTuple2: push_tuple(pop_top(2)); return;
      case Op::kTuple3: push_tuple(pop_top(3)); return;
      case Op::kSetItem: set_items(pop_top(2)); return;
      case Op::kSetItems: set_items(pop_mark()); return;
      case Op::kBinPut: memoize(read_u8()); return;
      case Op::kLongBinPut: memoize(read_unsigned(4)); return;
      case Op::kBinGet: push(recall(read_u8())); return;
      case Op::kLongBinGet: push(recall(read_unsigned(4))); return;
      case Op::kGlobal: push(global()); return;
      case Op::kBinPersId: push(persistent_storage(pop())); return;
      case Op::kReduce: {
        const ObjectId args = pop();
        push(reduce(pop(), args));
        return;
      }
      case Op::kBuild: build(); return;
      case Op::kStop: break;  // handled by run()
    }
    fail_at("opcode " + opcode_name(code) +
            " is not allowed (a torch.save state dict never contains it)");
  }

  // --- reading the byte stream

  std::uint8_t read_u8() {
    if (position_ >= pickle_.size()) {
      fail("ends at byte " + std::to_string(position_) + ", before its STOP opcode");
    }
    return std::to_integer<std::uint8_t>(pickle_[position_++]);
  }

  std::uint64_t read_unsigned(int bytes) {
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) value |= static_cast<std::uint64_t>(read_u8()) << (8 * i);
    return value;
  }

  std::int64_t read_long1() {
    const std::uint8_t length = read_u8();
    if (length > 8) {
      fail_at("a LONG1 integer has " + std::to_string(length) + " bytes, at most 8 fit");
    }
    std::uint64_t value = read_unsigned(length);
    if (length > 0 && length < 8 && (value >> (8 * length - 1)) != 0) {
      value |= ~std::uint64_t{0} << (8 * length);  // sign-extend two's complement
    }
    return static_cast<std::int64_t>(value);
  }

  std::string_view read_bytes(std::uint64_t length) {
    if (length > pickle_.size() - position_) {
      fail_at("a string of " + std::to_string(length) + " bytes runs past the end");
    }
    const std::string_view text(reinterpret_cast<const char*>(pickle_.data()) + position_,
                                static_cast<std::size_t>(length));
    position_ += static_cast<std::size_t>(length);
    return text;
  }

  std::string_view read_line() {
    const std::size_t start = position_;
    while (read_u8() != '\n') {
    }
    return {reinterpret_cast<const char*>(pickle_.data()) + start, position_ - start - 1};
  }

  // --- the stack, marks and memo

  ObjectId make(Kind kind) {
    if (objects_.size() == kMaxObjects) {
      fail_at("more than " + std::to_string(kMaxObjects) + " objects are created");
    }
    objects_.emplace_back().kind = kind;
    return objects_.size() - 1;
  }
  ObjectId make_int(Kind kind, std::int64_t value) {
    const ObjectId id = make(kind);
    objects_[id].integer = value;
    return id;
  }
  ObjectId make_tensor(Kind kind, PickledTensor tensor) {
    tensors_.push_back(std::move(tensor));
    return make_int(kind, static_cast<std::int64_t>(tensors_.size() - 1));
  }
  void push(ObjectId id) { stack_.push_back(id); }
  void push_string(std::uint64_t length) {
    const std::string_view text = read_bytes(length);
    const ObjectId id = make(Kind::kString);
    objects_[id].text = text;
    push(id);
  }
  void push_tuple(std::vector<ObjectId> items) {
    const ObjectId id = make(Kind::kTuple);
    objects_[id].items = std::move(items);
    push(id);
  }

  // Like Python's unpickler, a MARK hides what lies below it.
  ObjectId top() const {
    const std::size_t floor = marks_.empty() ? 0 : marks_.back();
    if (stack_.size() <= floor) fail_at("the stack is empty");
    return stack_.back();
  }
  ObjectId pop() {
    const ObjectId id = top();
    stack_.pop_back();
    return id;
  }
  std::vector<ObjectId> pop_top(std::size_t count) {
    std::vector<ObjectId> items(count);
    for (std::size_t i = count; i-- > 0;) items[i] = pop();
    return items;
  }
  std::vector<ObjectId> pop_mark() {
    if (marks_.empty()) fail_at("no MARK was set");
    const std::size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<ObjectId> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return items;
  }

  void memoize(std::uint64_t index) { memo_[index] = top(); }
  ObjectId recall(std::uint64_t index) {
    const auto found = memo_.find(index);
    if (found == memo_.end()) {
      fail_at("memo entry " + std::to_string(index) + " is read but was never set");
    }
    return found->second;
  }

  // --- the few things with meaning

  ObjectId global() {
    const std::string_view module = read_line();
    const std::string_view name = read_line();
    for (const KnownGlobal& known : kKnownGlobals) {
      if (known.module == module && known.name == name) {
        const ObjectId id = make(Kind::kGlobal);
        objects_[id].global = &known;
        return id;
      }
    }
    fail_at("global " + printable(module) + "." + printable(name) +
            " is not allowed (only tensors and their storages may be loaded)");
  }

  void set_items(std::vector<ObjectId> pairs) {
    if (pairs.size() % 2 != 0) fail_at("a dict key has no value");
    Object& dict = objects_[top()];
    if (dict.kind != Kind::kDict) fail_at("items are set on something that is not a dict");
    dict.items.insert(dict.items.end(), pairs.begin(), pairs.end());
  }

  void build() {
    pop();  // OrderedDict's instance state: the `_metadata` versions, of no use here
    if (objects_[top()].kind != Kind::kDict) {
      fail_at("BUILD is applied to something other than a dict");
    }
  }

  const Object& expect(ObjectId id, Kind kind, const char* what) const {
    if (objects_[id].kind != kind) fail_at(std::string("expected ") + what);
    return objects_[id];
  }

  std::int64_t expect_int(ObjectId id, const char* what) const {
    return expect(id, Kind::kInt, what).integer;
  }

  std::vector<std::int64_t> expect_int_tuple(ObjectId id, const char* what) const {
    std::vector<std::int64_t> values;
    for (ObjectId item : expect(id, Kind::kTuple, what).items)
      values.push_back(expect_int(item, what));
    return values;
  }

  // BINPERSID with ('storage', <storage type>, key, location, element count).
  ObjectId persistent_storage(ObjectId pid) {
    const std::vector<ObjectId>& fields = expect(pid, Kind::kTuple, "a storage id tuple").items;
    if (fields.size() != 5 || objects_[fields[0]].kind != Kind::kString ||
        objects_[fields[0]].text != "storage") {
      fail_at("a persistent id is not ('storage', type, key, location, size)");
    }
    const Object& type = expect(fields[1], Kind::kGlobal, "a storage type");
    if (type.global->callable != Callable::kStorage) fail_at("expected a storage type");
    PickledTensor storage;
    storage.dtype = type.global->dtype;
    storage.storage_key = expect(fields[2], Kind::kString, "a storage key").text;
    expect(fields[3], Kind::kString, "a storage location");
    const std::int64_t elements = expect_int(fields[4], "a storage size");
    if (elements < 0) fail_at("a storage has a negative size");
    storage.storage_elements = static_cast<std::uint64_t>(elements);
    return make_tensor(Kind::kStorage, std::move(storage));
  }

  ObjectId reduce(ObjectId callable_id, ObjectId args_id) {
    const Object& callable = expect(callable_id, Kind::kGlobal, "a known callable for REDUCE");
    const std::vector<ObjectId> args = expect(args_id, Kind::kTuple, "an argument tuple").items;
    switch (callable.global->callable) {
      case Callable::kOrderedDict:
        if (!args.empty()) fail_at("an OrderedDict is constructed from arguments");
        return make(Kind::kDict);
      case Callable::kRebuildTensorV2: {
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        if (args.size() != 6 && args.size() != 7) {
          fail_at("_rebuild_tensor_v2 gets " + std::to_string(args.size()) +
                  " arguments, expected 6 or 7");
        }
        PickledTensor tensor = tensors_[expect(args[0], Kind::kStorage, "a storage").integer];
        tensor.storage_offset = expect_int(args[1], "a storage offset");
        tensor.shape = expect_int_tuple(args[2], "a size tuple");
        tensor.stride = expect_int_tuple(args[3], "a stride tuple");
        return make_tensor(Kind::kTensor, std::move(tensor));
      }
      case Callable::kRebuildParameter:  // (data, requires_grad, backward_hooks)
        if (args.size() != 3) {
          fail_at("_rebuild_parameter gets " + std::to_string(args.size()) +
                  " arguments, expected 3");
        }
        expect(args[0], Kind::kTensor, "a tensor for _rebuild_parameter");
        return args[0];
      case Callable::kStorage: break;
    }
    fail_at("a storage type is called directly");
  }

  std::vector<PickledTensor> state_dict(ObjectId root) const {
    const Object& dict = objects_[root];
    if (dict.kind != Kind::kDict) fail("does not hold a dict of tensors (a state dict)");
    std::vector<PickledTensor> tensors;
    std::set<std::string_view> names;
    for (std::size_t i = 0; i < dict.items.size(); i += 2) {
      const Object& key = objects_[dict.items[i]];
      if (key.kind != Kind::kString) fail("has a state dict key that is not a string");
      const Object& value = objects_[dict.items[i + 1]];
      if (value.kind != Kind::kTensor) {
        fail("has state dict entry " + printable(key.text) + " that is not a tensor");
      }
      if (!names.insert(key.text).second) fail("names tensor " + printable(key.text) + " twice");
      tensors.push_back(tensors_[value.integer]);
      tensors.back().name = key.text;
    }
    return tensors;
  }

  std::span<const std::byte> pickle_;
  const std::string& source_;
  std::size_t position_ = 0;
  std::size_t opcode_at_ = 0;
  std::vector<Object> objects_;
  std::vector<ObjectId> stack_;
  std::vector<std::size_t> marks_;
  std::vector<PickledTensor> tensors_;
  std::unordered_map<std::uint64_t, ObjectId> memo_;
};

}  // namespace

std::vector<PickledTensor> read_state_dict_pickle(std::span<const std::byte> pickle,
                                                  const std::string& source_name) {
  return Unpickler(pickle, source_name).run();
}

}  // namespace ufb::io
