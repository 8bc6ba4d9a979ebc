# Settings for e2ee's own tests, benches, fuzzers and examples (top level only).

# e2ee_warnings(target): the warning set every e2ee target builds clean with.
function(e2ee_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wconversion -Wshadow)
    if(E2EE_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
    # GCC's -Wmaybe-uninitialized misfires under ASan instrumentation (seen
    # with GCC 12 in Catch2's std::function code); plain builds keep it.
    if(E2EE_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
    endif()
  endif()
endfunction()

set(E2EE_SANITIZE "" CACHE STRING "Sanitizers for tests, e.g. address,undefined")
if(E2EE_SANITIZE)
  add_compile_options(-fsanitize=${E2EE_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${E2EE_SANITIZE})
endif()

# Third-party vector suites (Wycheproof, NIST CAVP, RFC files) are read from
# here at run time; they are never copied into the repository.
set(_e2ee_default_vectors "")
get_filename_component(_e2ee_shared "${PROJECT_SOURCE_DIR}/../shared/vectors" ABSOLUTE)
if(EXISTS "${_e2ee_shared}")
  set(_e2ee_default_vectors "${_e2ee_shared}")
endif()
set(E2EE_EXTERNAL_VECTORS "${_e2ee_default_vectors}" CACHE PATH
    "Directory of third-party test vectors (empty: those tests are skipped)")
