// tests/support/alloc_counter.cpp — the test binary's global operator
// new/delete, counting allocations while an alloc_scope is alive (see
// alloc_counter.hpp). The one replacement in the binary: tests that count
// allocations use test::alloc_scope.
#include "alloc_counter.hpp"

#include <cstddef>
#include <cstdlib>
#include <new>

namespace {

// Per thread: a test's scope counts only its own thread's allocations.
// Constant-initialized plain integers: touching them never allocates.
thread_local constinit std::size_t scopes = 0;
thread_local constinit std::size_t counted = 0;

void* counted_alloc(std::size_t n) noexcept {
  if (scopes != 0) ++counted;
  return std::malloc(n == 0 ? 1 : n);
}
void* counted_aligned_alloc(std::size_t n, std::align_val_t a) noexcept {
  if (scopes != 0) ++counted;
  std::size_t align = static_cast<std::size_t>(a);
  if (align < sizeof(void*)) align = sizeof(void*);
  void* p = nullptr;
  if (posix_memalign(&p, align, n == 0 ? 1 : n) != 0) return nullptr;
  return p;
}
// counted_free releases what counted_alloc gave. Not inlined: GCC 12 at -O1
// with ASan otherwise sees free() applied to the result of `operator new` and
// warns (-Wmismatched-new-delete), not knowing both are our replacements.
[[gnu::noinline]] void counted_free(void* p) noexcept { std::free(p); }
void* or_throw(void* p) {
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

namespace test {

alloc_scope::alloc_scope() noexcept : start_(counted) { ++scopes; }
alloc_scope::~alloc_scope() { --scopes; }
std::size_t alloc_scope::count() const noexcept { return counted - start_; }
void alloc_scope::reset() noexcept { start_ = counted; }

}  // namespace test

// The replaceable global allocation functions ([new.delete]); every one counts.
void* operator new(std::size_t n) { return or_throw(counted_alloc(n)); }
void* operator new[](std::size_t n) { return or_throw(counted_alloc(n)); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new(std::size_t n, std::align_val_t a) { return or_throw(counted_aligned_alloc(n, a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return or_throw(counted_aligned_alloc(n, a)); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_aligned_alloc(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_aligned_alloc(n, a);
}
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { counted_free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { counted_free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { counted_free(p); }
