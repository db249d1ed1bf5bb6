#pragma once

// The processes of a data-parallel job. Started by mpirun (Open MPI) in a build with MPI, the
// job is MPI_COMM_WORLD; otherwise — a plain process, or a build without MPI — it is a job of
// one process, and every collective is the identity.

#include <cstddef>
#include <span>
#include <vector>

namespace ufb::distributed {

class Communicator {
 public:
  // The job this process belongs to. The first call initialises MPI when this process was
  // started by mpirun; MPI is finalised at exit.
  static const Communicator& world();
  // A job of this process alone, whatever started it: every collective is the identity. What a
  // data-parallel trainer is given to run as one process inside a job of several (tests compare
  // the two).
  static const Communicator& single();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }

  // values ← the element-wise sum over all ranks, on every rank (gradient averaging divides it).
  void allreduce_sum(std::span<float> values) const;
  void allreduce_sum(std::span<double> values) const;

  // values ← rank 0's values, on every rank.
  void broadcast_from_root(std::span<double> values) const;
  // Returns once every rank has called it.
  void barrier() const;

  // Rank 0 receives every rank's bytes concatenated in rank order; the others get nothing.
  std::vector<std::byte> gather_to_root(std::span<const std::byte> bytes) const;

  // In a job of several processes, ends all of them with `status` (after an error on one rank
  // the others would otherwise wait forever in the next collective) and does not return. In a
  // job of one it does nothing: the caller returns `status` as usual.
  void abort_job(int status) const;

  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;
  ~Communicator();

 private:
  Communicator();
  struct Alone {};
  explicit Communicator(Alone) {}

  int rank_ = 0;
  int size_ = 1;
  bool initialized_mpi_ = false;
};

// The contiguous part [begin, end) of `count` items that rank `rank` of `size` handles: sizes
// differ by at most one, and the parts follow each other in rank order.
struct Shard {
  size_t begin = 0;
  size_t end = 0;
};
Shard shard_of(size_t count, int rank, int size);

}  // namespace ufb::distributed
