# Precompiled headers for the Debug trees (build/debug, build/asan): most of
# our files parse the same standard, kj/capnp and Envelope headers, and every
# test file Boost.Test's; each tree parses them twice (once per PCH) instead
# of once per file. One PCH for the libraries, one for the test binaries, each
# reused by every target (REUSE_FROM): the targets differ only in include
# directories and in definitions these headers do not read, which GCC allows
# (a PCH it cannot use is a -Winvalid-pch warning, so the build would say).
# Release (ops/run, bench) and the clang fuzz tree compile as before.
# A header here is in every file, so it must not change what a file's own
# names resolve to: not <filesystem>, whose <iomanip> brings std::quoted to
# argument-dependent lookup beside our own quoted(std::string_view).
set(storemesh_pch_headers
  <algorithm> <array> <atomic> <chrono> <cstdint> <cstring> <deque>
  <functional> <map> <memory> <mutex> <optional> <set> <string> <string_view>
  <system_error> <thread> <unordered_map> <variant> <vector>
  <capnp/message.h> <capnp/serialize.h> <schemas/envelope.capnp.h>)

add_library(storemesh_pch OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch.cpp)
target_link_libraries(storemesh_pch PRIVATE schemas)
target_precompile_headers(storemesh_pch PRIVATE ${storemesh_pch_headers})

if(STOREMESH_TESTS)
  add_library(storemesh_test_pch OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch.cpp)
  target_link_libraries(storemesh_test_pch PRIVATE schemas Boost::unit_test_framework)
  target_compile_definitions(storemesh_test_pch PRIVATE BOOST_TEST_DYN_LINK)
  target_precompile_headers(storemesh_test_pch PRIVATE ${storemesh_pch_headers} <boost/test/unit_test.hpp>)
endif()
