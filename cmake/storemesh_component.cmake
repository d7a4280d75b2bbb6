# storemesh_component(<name> SOURCES a.cpp ... DEPS lib ... TESTS a.test.cpp ...)
#
# Declares one component: a static library of its sources, linked to its
# dependencies, and, when it has tests, a Boost.Test binary <name>_test that
# CTest runs as the test <name>.
function(storemesh_component name)
  cmake_parse_arguments(C "" "" "SOURCES;DEPS;TESTS" ${ARGN})
  add_library(${name} STATIC ${C_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_link_libraries(${name} PUBLIC ${C_DEPS})
  if(STOREMESH_PCH)
    target_precompile_headers(${name} REUSE_FROM storemesh_pch)
  endif()
  if(C_TESTS AND STOREMESH_TESTS)
    storemesh_test(${name} SOURCES ${C_TESTS} DEPS ${name})
  endif()
endfunction()

# storemesh_test(<name> SOURCES ... DEPS ... [LABELS ...])
# A Boost.Test binary <name>_test, run by CTest as <name>, labelled in_process
# (one process, no scripts: what the sanitizer build runs) and LABELS.
function(storemesh_test name)
  cmake_parse_arguments(T "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  # main() is compiled once for every binary (storemesh_test_main), not once
  # per binary: 40-odd compiles of Boost.Test's header saved per build tree.
  if(NOT TARGET storemesh_test_main)
    add_library(storemesh_test_main OBJECT ${PROJECT_SOURCE_DIR}/tests/test_main.cpp)
    target_compile_definitions(storemesh_test_main PRIVATE BOOST_TEST_DYN_LINK)
    target_link_libraries(storemesh_test_main PRIVATE Boost::unit_test_framework)
  endif()
  add_executable(${name}_test $<TARGET_OBJECTS:storemesh_test_main> ${T_SOURCES})
  target_link_libraries(${name}_test PRIVATE ${T_DEPS} storemesh_testing Boost::unit_test_framework)
  target_compile_definitions(${name}_test PRIVATE BOOST_TEST_DYN_LINK)
  if(STOREMESH_PCH)
    target_precompile_headers(${name}_test REUSE_FROM storemesh_test_pch)
  endif()
  add_test(NAME ${name} COMMAND ${name}_test --report_level=short)
  set(env "BOOST_TEST_COLOR_OUTPUT=no")
  if(STOREMESH_SANITIZE)
    list(APPEND env ${STOREMESH_SANITIZER_ENV})
  endif()
  set_tests_properties(${name} PROPERTIES ENVIRONMENT "${env}" LABELS "in_process;${T_LABELS}")
  set_property(GLOBAL APPEND PROPERTY STOREMESH_IN_PROCESS_TESTS ${name}_test)
endfunction()
