// tests/support/alloc_counter.hpp — counting heap allocations in tests.
//
// alloc_counter.cpp replaces the global operator new/delete of the test
// binary ([new.delete]: every replaceable form) with versions that count the
// allocations a thread makes while an alloc_scope of that thread is alive,
// and otherwise behave as the standard ones (malloc/free underneath, so ASan
// and UBSan still see every allocation).
//
//   test::alloc_scope scope;
//   auto m = proto::encrypt(store, bob, plaintext);
//   CHECK(scope.count() == 1);  // the output vector
#pragma once

#include <cstddef>

namespace test {

class alloc_scope {
 public:
  alloc_scope() noexcept;
  ~alloc_scope();
  alloc_scope(const alloc_scope&) = delete;
  alloc_scope& operator=(const alloc_scope&) = delete;

  // count: allocations by this thread since the scope began.
  std::size_t count() const noexcept;
  // reset: count from now.
  void reset() noexcept;

 private:
  std::size_t start_;
};

}  // namespace test
