# Script mode (cmake -P): builds and runs a tiny consumer of e2ee.
# MODE=install: `cmake --install` e2ee into WORK_DIR/prefix, then build the
# consumer with find_package(e2ee CONFIG). MODE=pkgconfig: install into
# WORK_DIR/prefix-pc and compile the consumer with the flags pkg-config gives
# for e2ee.pc. MODE=include: compile it with nothing but -I<e2ee>/include.
# MODE=subdirectory: build a consumer that does add_subdirectory(E2EE_SOURCE_DIR).
cmake_minimum_required(VERSION 3.20)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

function(check_output text)
  if(NOT text MATCHES "e2ee consumer ok")
    message(FATAL_ERROR "consumer printed an unexpected result:\n${text}")
  endif()
endfunction()

set(compiler_args -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -G ${GENERATOR})

if(MODE STREQUAL "install")
  set(prefix ${WORK_DIR}/prefix)
  file(REMOVE_RECURSE ${prefix} ${WORK_DIR}/consumer-build)
  run(${CMAKE_COMMAND} --install ${E2EE_BINARY_DIR} --prefix ${prefix})
  run(${CMAKE_COMMAND} -S ${CONSUMER_DIR}/consumer -B ${WORK_DIR}/consumer-build
      -DCMAKE_PREFIX_PATH=${prefix} ${compiler_args})
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer-build)
  run(${WORK_DIR}/consumer-build/consumer)
  check_output("${last_output}")

elseif(MODE STREQUAL "pkgconfig")
  # pkg-config: the installed e2ee.pc must give a working include path and
  # the version of the headers.
  find_program(PKG_CONFIG pkg-config)
  if(NOT PKG_CONFIG)
    message(FATAL_ERROR "pkg-config not found (apt-get install pkg-config)")
  endif()
  set(prefix ${WORK_DIR}/prefix-pc)
  file(REMOVE_RECURSE ${prefix})
  run(${CMAKE_COMMAND} --install ${E2EE_BINARY_DIR} --prefix ${prefix})
  file(GLOB_RECURSE pc_file ${prefix}/e2ee.pc)
  if(NOT pc_file)
    message(FATAL_ERROR "e2ee.pc was not installed under ${prefix}")
  endif()
  get_filename_component(pc_dir ${pc_file} DIRECTORY)
  set(ENV{PKG_CONFIG_PATH} ${pc_dir})
  run(${PKG_CONFIG} --modversion e2ee)
  string(STRIP "${last_output}" pc_version)
  run(${PKG_CONFIG} --cflags e2ee)
  string(STRIP "${last_output}" cflags)
  separate_arguments(cflags UNIX_COMMAND "${cflags}")
  run(${CXX_COMPILER} ${cflags} "-DE2EE_EXPECTED_VERSION=\"${pc_version}\""
      ${CONSUMER_DIR}/consumer/main.cpp -o ${WORK_DIR}/consumer-pc)
  run(${WORK_DIR}/consumer-pc)
  check_output("${last_output}")
elseif(MODE STREQUAL "include")
  # No build system support at all: the compiler, -std=c++20 and the include path.
  run(${CXX_COMPILER} -std=c++20 -I${E2EE_SOURCE_DIR}/include ${CONSUMER_DIR}/consumer/main.cpp
      -o ${WORK_DIR}/consumer-include)
  run(${WORK_DIR}/consumer-include)
  check_output("${last_output}")
elseif(MODE STREQUAL "subdirectory")
  file(REMOVE_RECURSE ${WORK_DIR}/subdir-build)
  run(${CMAKE_COMMAND} -S ${CONSUMER_DIR}/subdir_consumer -B ${WORK_DIR}/subdir-build
      -DE2EE_SOURCE_DIR=${E2EE_SOURCE_DIR} ${compiler_args})
  run(${CMAKE_COMMAND} --build ${WORK_DIR}/subdir-build)
  run(${WORK_DIR}/subdir-build/consumer)
  check_output("${last_output}")
else()
  message(FATAL_ERROR "MODE must be install, pkgconfig, include or subdirectory")
endif()
message(STATUS "package test ${MODE}: ok")
