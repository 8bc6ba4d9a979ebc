// The public protocol types that are aliases of class templates in
// protocol::detail (so that including their headers compiles none of their
// members) keep e2ee::protocol among their associated namespaces: a function
// of that namespace is found by argument-dependent lookup, as when they were
// plain classes. Compile-time checks only.
#include <type_traits>
#include <utility>

#include <e2ee/protocol/sealed_storage.hpp>
#include <e2ee/protocol/sender_keys.hpp>
#include <e2ee/protocol/session.hpp>

namespace e2ee::protocol {
// Declared only: used in unevaluated operands.
std::integral_constant<int, 1> adl_probe(const sender_key_state&);
std::integral_constant<int, 2> adl_probe(const sender_key_record&);
std::integral_constant<int, 3> adl_probe(const memory_sender_key_store&);
std::integral_constant<int, 4> adl_probe(const sealed_storage&);
std::integral_constant<int, 5> adl_probe(const session_record&);
std::integral_constant<int, 6> adl_probe(const memory_store&);
}  // namespace e2ee::protocol

namespace {

template <class T>
constexpr int found_by_adl() {
  return decltype(adl_probe(std::declval<const T&>()))::value;  // unqualified: argument-dependent lookup
}

namespace p = e2ee::protocol;
static_assert(found_by_adl<p::sender_key_state>() == 1);
static_assert(found_by_adl<p::sender_key_record>() == 2);
static_assert(found_by_adl<p::memory_sender_key_store>() == 3);
static_assert(found_by_adl<p::sealed_storage>() == 4);
static_assert(found_by_adl<p::session_record>() == 5);
static_assert(found_by_adl<p::memory_store>() == 6);

}  // namespace
