#include "ufb/distributed/communicator.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "ufb/error.h"

#if UFB_HAVE_MPI
#include <mpi.h>
#endif

namespace ufb::distributed {
namespace {

#if UFB_HAVE_MPI
// mpirun sets this in every process it starts; a plain process never touches MPI, so that a
// binary built with MPI runs anywhere, with or without an MPI launcher.
bool started_by_mpirun() { return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr; }

void check(int status, const char* call) {
  if (status != MPI_SUCCESS) throw Error(std::string("MPI: ") + call + " failed");
}
#endif

}  // namespace

const Communicator& Communicator::world() {
  static const Communicator communicator;
  return communicator;
}

const Communicator& Communicator::single() {
  static const Communicator communicator{Alone{}};
  return communicator;
}

Communicator::Communicator() {
#if UFB_HAVE_MPI
  if (!started_by_mpirun()) return;
  int provided = 0;
  // Only the main thread calls MPI; OpenMP threads inside a rank never do.
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  initialized_mpi_ = true;
  // Errors come back as codes, which check() turns into ufb::Error, instead of aborting inside.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  check(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(MPI_COMM_WORLD, &size_), "MPI_Comm_size");
#endif
}

Communicator::~Communicator() {
#if UFB_HAVE_MPI
  if (initialized_mpi_) MPI_Finalize();
#endif
}

namespace {

#if UFB_HAVE_MPI
template <typename T>
void allreduce_in_place(std::span<T> values, MPI_Datatype type) {
  // Pieces of at most 2^30 elements: MPI counts are ints.
  constexpr size_t kPiece = size_t{1} << 30;
  for (size_t first = 0; first < values.size(); first += kPiece) {
    const auto count = static_cast<int>(std::min(kPiece, values.size() - first));
    check(MPI_Allreduce(MPI_IN_PLACE, values.data() + first, count, type, MPI_SUM, MPI_COMM_WORLD),
          "MPI_Allreduce");
  }
}
#endif

}  // namespace

void Communicator::allreduce_sum(std::span<float> values) const {
#if UFB_HAVE_MPI
  if (size_ > 1) allreduce_in_place(values, MPI_FLOAT);
#endif
}

void Communicator::allreduce_sum(std::span<double> values) const {
#if UFB_HAVE_MPI
  if (size_ > 1) allreduce_in_place(values, MPI_DOUBLE);
#endif
}

void Communicator::broadcast_from_root(std::span<double> values) const {
#if UFB_HAVE_MPI
  if (size_ == 1) return;
  constexpr size_t kPiece = size_t{1} << 30;  // MPI counts are ints
  for (size_t first = 0; first < values.size(); first += kPiece) {
    const auto count = static_cast<int>(std::min(kPiece, values.size() - first));
    check(MPI_Bcast(values.data() + first, count, MPI_DOUBLE, 0, MPI_COMM_WORLD), "MPI_Bcast");
  }
#endif
}

void Communicator::barrier() const {
#if UFB_HAVE_MPI
  if (size_ > 1) check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
#endif
}

std::vector<std::byte> Communicator::gather_to_root(std::span<const std::byte> bytes) const {
  if (size_ == 1) return {bytes.begin(), bytes.end()};
#if UFB_HAVE_MPI
  const auto count = static_cast<long long>(bytes.size());
  std::vector<long long> counts(size_);
  check(MPI_Gather(&count, 1, MPI_LONG_LONG, counts.data(), 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD),
        "MPI_Gather");
  // Point-to-point messages of at most 1 GiB each: MPI's int counts cap a single message at
  // 2 GiB, and a corpus of embeddings can exceed that.
  constexpr long long kPiece = 1LL << 30;
  if (!is_root()) {
    for (long long sent = 0; sent < count; sent += kPiece) {
      check(MPI_Send(bytes.data() + sent, static_cast<int>(std::min(kPiece, count - sent)),
                     MPI_BYTE, 0, 0, MPI_COMM_WORLD),
            "MPI_Send");
    }
    return {};
  }
  std::vector<std::byte> gathered(bytes.begin(), bytes.end());
  for (int sender = 1; sender < size_; ++sender) {
    const size_t offset = gathered.size();
    gathered.resize(offset + static_cast<size_t>(counts[sender]));
    for (long long received = 0; received < counts[sender]; received += kPiece) {
      check(MPI_Recv(gathered.data() + offset + received,
                     static_cast<int>(std::min(kPiece, counts[sender] - received)), MPI_BYTE,
                     sender, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
            "MPI_Recv");
    }
  }
  return gathered;
#else
  return {bytes.begin(), bytes.end()};
#endif
}

void Communicator::abort_job(int status) const {
#if UFB_HAVE_MPI
  if (initialized_mpi_ && size_ > 1) MPI_Abort(MPI_COMM_WORLD, status);
#endif
}

Shard shard_of(size_t count, int rank, int size) {
  const auto ranks = static_cast<size_t>(size);
  const auto r = static_cast<size_t>(rank);
  const size_t base = count / ranks;
  const size_t extra = count % ranks;
  const size_t begin = r * base + std::min(r, extra);
  return {begin, begin + base + (r < extra ? 1 : 0)};
}

}  // namespace ufb::distributed
