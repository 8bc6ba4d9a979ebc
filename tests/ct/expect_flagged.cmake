# Runs one ct_selftest case under valgrind and passes only if valgrind flagged
# it with the expected kind of error. Stricter than WILL_FAIL: a crash, a
# missing valgrind or a wrong argument fails this test instead of passing it.
#   cmake -DVALGRIND=... -DPROGRAM=... -DCASE=branch|table -DEXPECT=<regex> -P expect_flagged.cmake
foreach(v VALGRIND PROGRAM CASE EXPECT)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "expect_flagged.cmake: ${v} not set")
  endif()
endforeach()

execute_process(
  COMMAND ${VALGRIND} --error-exitcode=99 --track-origins=yes ${PROGRAM} ${CASE}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${err}${out}")
if(NOT rc EQUAL 99)
  message(FATAL_ERROR "ct_selftest ${CASE}: valgrind exit code ${rc}, expected 99 "
                      "(the secret-dependent ${CASE} was NOT flagged)")
endif()
if(NOT err MATCHES "${EXPECT}")
  message(FATAL_ERROR "ct_selftest ${CASE}: valgrind did not report '${EXPECT}'")
endif()
if(NOT out MATCHES "ct_selftest ${CASE}: done")
  message(FATAL_ERROR "ct_selftest ${CASE}: the program did not run to its end")
endif()
message("ct_selftest ${CASE}: flagged by valgrind, as it must be")
