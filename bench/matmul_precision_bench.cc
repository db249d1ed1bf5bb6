// matmul_precision_bench: is bf16 faster than f32 on this CPU? Two measurements.
//
// 1. Per-instruction throughput of the dot-product instructions the matmuls end in —
//    vfmadd231ps (f32), vdpbf16ps (AVX512-BF16), vpdpbusd (AVX512-VNNI) — in cycles, with 12
//    independent accumulators held in registers. A CPU (or a VM's virtual CPU) may report
//    AVX512-BF16 and still run vdpbf16ps at half the FLOP rate of f32 FMA; then no bf16 kernel
//    on it can beat f32 where the matmul is compute-bound.
// 2. oneDNN matmul (as src/ops/onednn_matmul.cc runs it) in GFLOP/s at the encoder's shapes:
//    f32; f32 with fpmath_mode bf16; bf16 with each call's src converted (what --dtype bf16
//    runs); bf16 src already converted; bf16 dst; weights in plain layout instead of the one
//    oneDNN picks. DNNL_MAX_CPU_ISA in the environment caps the ISA oneDNN uses.
//
// usage: matmul_precision_bench [threads=1] [rows=16,64,128,256,512,1024,4096] [minilm|bert|all]

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iterator>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

#if defined(__x86_64__) && defined(__GNUC__)

// Twelve independent `OP %R30, %R31, %R{0..11}` per iteration.
#define UFB_X12(OP, R)                                                                        \
  OP " %%" R "30, %%" R "31, %%" R "0\n\t" OP " %%" R "30, %%" R "31, %%" R "1\n\t" OP " %%" R \
     "30, %%" R "31, %%" R "2\n\t" OP " %%" R "30, %%" R "31, %%" R "3\n\t" OP " %%" R           \
     "30, %%" R "31, %%" R "4\n\t" OP " %%" R "30, %%" R "31, %%" R "5\n\t" OP " %%" R           \
     "30, %%" R "31, %%" R "6\n\t" OP " %%" R "30, %%" R "31, %%" R "7\n\t" OP " %%" R           \
     "30, %%" R "31, %%" R "8\n\t" OP " %%" R "30, %%" R "31, %%" R "9\n\t" OP " %%" R           \
     "30, %%" R "31, %%" R "10\n\t" OP " %%" R "30, %%" R "31, %%" R "11\n\t"
#define UFB_THROUGHPUT_LOOP(NAME, OP, R)                                                         \
  __attribute__((target("avx512f"), noinline)) void NAME(int64_t n) {                            \
    asm volatile("vpxord %%zmm30, %%zmm30, %%zmm30\n\tvpxord %%zmm31, %%zmm31, %%zmm31\n\t"     \
                 "1:\n\t" UFB_X12(OP, R) "dec %0\n\tjnz 1b"                                     \
                 : "+r"(n)                                                                        \
                 :                                                                                \
                 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", \
                   "xmm10", "xmm11", "xmm30", "xmm31");                                          \
  }
UFB_THROUGHPUT_LOOP(fma_zmm, "vfmadd231ps", "zmm")
UFB_THROUGHPUT_LOOP(fma_ymm, "vfmadd231ps", "ymm")
UFB_THROUGHPUT_LOOP(dpbf16_zmm, "vdpbf16ps", "zmm")
UFB_THROUGHPUT_LOOP(dpbf16_ymm, "vdpbf16ps", "ymm")
UFB_THROUGHPUT_LOOP(dpbusd_zmm, "vpdpbusd", "zmm")

// Four dependent ops per iteration.
#define UFB_LATENCY_LOOP(NAME, OP)                                                          \
  __attribute__((target("avx512f"), noinline)) void NAME(int64_t n) {                       \
    asm volatile("vpxord %%zmm30, %%zmm30, %%zmm30\n\t1:\n\t" OP " %%zmm30, %%zmm30, %%zmm0\n\t" \
                 OP " %%zmm30, %%zmm30, %%zmm0\n\t" OP " %%zmm30, %%zmm30, %%zmm0\n\t" OP        \
                 " %%zmm30, %%zmm30, %%zmm0\n\tdec %0\n\tjnz 1b"                                 \
                 : "+r"(n)                                                                   \
                 :                                                                           \
                 : "xmm0", "xmm30");                                                         \
  }
UFB_LATENCY_LOOP(fma_latency, "vfmadd231ps")
UFB_LATENCY_LOOP(dpbf16_latency, "vdpbf16ps")

// Four dependent imuls (3 cycles each on Intel cores since Sandy Bridge) per iteration: the
// core clock. (A chain of adds would not do: Golden Cove executes add-immediate at rename.)
__attribute__((noinline)) void imul_chain(int64_t n) {
  int64_t a = 3;
  asm volatile("1:\n\timul %1, %1\n\timul %1, %1\n\timul %1, %1\n\timul %1, %1\n\tdec %0\n\tjnz 1b"
               : "+r"(n), "+r"(a));
}

double best_seconds(void (*loop)(int64_t), int64_t iterations) {
  loop(iterations / 10);
  double best = 1e30;
  for (int repeat = 0; repeat < 3; ++repeat) {
    const double start = now_s();
    loop(iterations);
    best = std::min(best, now_s() - start);
  }
  return best;
}

void instruction_report() {
  constexpr int64_t kIterations = 20'000'000;
  const double cycle_s = best_seconds(imul_chain, kIterations) / (kIterations * 4.0 * 3.0);
  std::printf("core clock (imul chain): %.2f GHz\n", 1e-9 / cycle_s);
  if (!__builtin_cpu_supports("avx512f")) {
    std::printf("no AVX-512: instruction throughput skipped\n\n");
    return;
  }
  struct Case {
    const char* name;
    void (*loop)(int64_t);
    double flops;  // per instruction
    bool supported;
  };
  const bool bf16 = __builtin_cpu_supports("avx512bf16");
  const bool vnni = __builtin_cpu_supports("avx512vnni");
  const Case cases[] = {{"vfmadd231ps zmm", fma_zmm, 32, true},  {"vfmadd231ps ymm", fma_ymm, 16, true},
                        {"vdpbf16ps zmm", dpbf16_zmm, 64, bf16}, {"vdpbf16ps ymm", dpbf16_ymm, 32, bf16},
                        {"vpdpbusd zmm", dpbusd_zmm, 128, vnni}};
  for (const Case& c : cases) {
    if (!c.supported) {
      std::printf("%-16s not supported\n", c.name);
      continue;
    }
    const double per_instruction = best_seconds(c.loop, kIterations) / (kIterations * 12.0);
    std::printf("%-16s %.2f cycles/instruction  %5.1f GFLOP/s (GOP/s) per core\n", c.name,
                per_instruction / cycle_s, c.flops / per_instruction * 1e-9);
  }
  std::printf("vfmadd231ps zmm latency %.1f cycles\n", best_seconds(fma_latency, kIterations) / (kIterations * 4.0) / cycle_s);
  if (bf16) {
    std::printf("vdpbf16ps zmm latency   %.1f cycles\n",
                best_seconds(dpbf16_latency, kIterations) / (kIterations * 4.0) / cycle_s);
  }
  std::printf("\n");
}

#else

void instruction_report() { std::printf("not x86-64: instruction throughput skipped\n\n"); }

#endif

using dnnl::memory;
using DataType = memory::data_type;
using Tag = memory::format_tag;

struct Mode {
  const char* name;
  DataType src, weights, dst;
  Tag weights_tag;
  bool convert_src;  // each call converts f32 src to bf16 first (ufb's --dtype bf16)
  bool fpmath_bf16;
};

// GFLOP/s of one mode at one shape (best of three batches of calls), or a negative number when
// oneDNN has no implementation.
double matmul_gflops(const Mode& mode, int64_t rows, int64_t inner, int64_t cols, const dnnl::engine& engine,
                     dnnl::stream& stream, std::string& implementation) {
  std::vector<float> src(rows * inner), weights(inner * cols);
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<float>(i % 17) * 0.01f;
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<float>(i % 13) * 0.01f;
  const memory::desc src_desc({rows, inner}, mode.src, Tag::ab);
  const memory::desc weights_desc({inner, cols}, mode.weights, mode.weights_tag);
  const memory::desc bias_desc({1, cols}, DataType::f32, Tag::ab);
  const memory::desc dst_desc({rows, cols}, mode.dst, Tag::ab);
  dnnl::primitive_attr attributes;
  if (mode.fpmath_bf16) attributes.set_fpmath_mode(dnnl::fpmath_mode::bf16);
  std::unique_ptr<dnnl::matmul::primitive_desc> pd;
  try {
    pd = std::make_unique<dnnl::matmul::primitive_desc>(
        dnnl::matmul::desc(src_desc, weights_desc, bias_desc, dst_desc), attributes, engine);
  } catch (const dnnl::error&) {
    return -1.0;
  }
  implementation = pd->impl_info_str();
  // W [cols, inner] as PyTorch stores it, i.e. W^T in "ba" order.
  memory user_weights({{inner, cols}, DataType::f32, Tag::ba}, engine, weights.data());
  memory prepared_weights(pd->weights_desc(), engine);
  dnnl::reorder(user_weights, prepared_weights).execute(stream, user_weights, prepared_weights);
  memory user_src({{rows, inner}, DataType::f32, Tag::ab}, engine, src.data());
  memory matmul_src = mode.src == DataType::f32 ? user_src : memory(pd->src_desc(), engine);
  dnnl::reorder convert(user_src, matmul_src);
  if (mode.src != DataType::f32) convert.execute(stream, user_src, matmul_src);
  memory bias(bias_desc, engine), dst(pd->dst_desc(), engine);
  std::memset(bias.get_data_handle(), 0, cols * sizeof(float));
  const dnnl::matmul matmul(*pd);
  auto run = [&] {
    if (mode.convert_src) convert.execute(stream, user_src, matmul_src);
    matmul.execute(stream, {{DNNL_ARG_SRC, matmul_src},
                            {DNNL_ARG_WEIGHTS, prepared_weights},
                            {DNNL_ARG_BIAS, bias},
                            {DNNL_ARG_DST, dst}});
    stream.wait();
  };
  run();
  int64_t calls = 0;
  const double start = now_s();
  while (now_s() - start < 0.1 && calls < 100000) {
    run();
    ++calls;
  }
  double best = (now_s() - start) / static_cast<double>(calls);
  for (int batch = 0; batch < 3; ++batch) {
    const double batch_start = now_s();
    for (int64_t call = 0; call < calls; ++call) run();
    best = std::min(best, (now_s() - batch_start) / static_cast<double>(calls));
  }
  return 2.0 * static_cast<double>(rows * inner * cols) / best * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
    std::vector<int64_t> row_counts = {16, 64, 128, 256, 512, 1024, 4096};
    if (argc > 2) {
      row_counts.clear();
      std::stringstream list(argv[2]);
      for (std::string item; std::getline(list, item, ',');) row_counts.push_back(std::stoll(item));
    }
    const std::string shape_set = argc > 3 ? argv[3] : "all";
    // (inner, cols) of the fused QKV, attention output, FF in and FF out projections.
    const std::vector<std::pair<int64_t, int64_t>> minilm = {{384, 1152}, {384, 384}, {384, 1536}, {1536, 384}};
    const std::vector<std::pair<int64_t, int64_t>> bert = {{768, 2304}, {768, 768}, {768, 3072}, {3072, 768}};
    std::vector<std::pair<int64_t, int64_t>> shapes;
    if (shape_set != "bert") shapes.insert(shapes.end(), minilm.begin(), minilm.end());
    if (shape_set != "minilm") shapes.insert(shapes.end(), bert.begin(), bert.end());
    omp_set_num_threads(threads);

    instruction_report();

    const Mode modes[] = {
        {"f32", DataType::f32, DataType::f32, DataType::f32, Tag::any, false, false},
        {"f32.plainW", DataType::f32, DataType::f32, DataType::f32, Tag::ba, false, false},
        {"f32.fpmath_bf16", DataType::f32, DataType::f32, DataType::f32, Tag::any, false, true},
        {"bf16+convert", DataType::bf16, DataType::bf16, DataType::f32, Tag::any, true, false},
        {"bf16", DataType::bf16, DataType::bf16, DataType::f32, Tag::any, false, false},
        {"bf16.dst_bf16", DataType::bf16, DataType::bf16, DataType::bf16, Tag::any, false, false},
        {"bf16.plainW", DataType::bf16, DataType::bf16, DataType::f32, Tag::ba, false, false},
    };
    const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    dnnl::stream stream(engine);
    std::printf("oneDNN matmul, GFLOP/s, %d thread(s); bf16+convert is what --dtype bf16 runs\n", threads);
    std::printf("%-6s %-10s", "rows", "inner×cols");
    for (const Mode& mode : modes) std::printf(" %15s", mode.name);
    std::printf("\n");
    std::vector<std::string> implementations(std::size(modes));
    for (const auto& [inner, cols] : shapes) {
      for (const int64_t rows : row_counts) {
        std::printf("%-6lld %-10s", static_cast<long long>(rows),
                    (std::to_string(inner) + "x" + std::to_string(cols)).c_str());
        for (size_t m = 0; m < std::size(modes); ++m) {
          const double gflops = matmul_gflops(modes[m], rows, inner, cols, engine, stream, implementations[m]);
          if (gflops < 0) {
            std::printf(" %15s", "n/a");
          } else {
            std::printf(" %15.1f", gflops);
          }
          std::fflush(stdout);
        }
        std::printf("\n");
      }
    }
    std::printf("\nimplementations:");
    for (size_t m = 0; m < std::size(modes); ++m) {
      std::printf(" %s=%s", modes[m].name, implementations[m].empty() ? "none" : implementations[m].c_str());
    }
    std::printf("\n");
  } catch (const std::exception& error) {
    std::fprintf(stderr, "matmul_precision_bench: %s\n", error.what());
    return 1;
  }
  return 0;
}
