# Build options shared by every target: warnings as errors, sanitizers, ccache.

option(DRIFTLESS_WERROR "Treat warnings as errors" ON)
option(DRIFTLESS_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(DRIFTLESS_BUILD_TESTS "Build the tests" ON)

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()

add_library(driftless_options INTERFACE)
target_compile_options(driftless_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
  $<$<BOOL:${DRIFTLESS_WERROR}>:-Werror>
  # GCC 12 reports false -Wrestrict positives inside libstdc++'s std::string (PR105651) and
  # false -Wnull-dereference positives inside std::istreambuf_iterator (PR105580) at -O3.
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>,$<NOT:$<CONFIG:Debug>>>:-Wno-null-dereference>)
if(DRIFTLESS_SANITIZE)
  target_compile_options(driftless_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(driftless_options INTERFACE -fsanitize=address,undefined)
endif()

# driftless_add_library(NAME SOURCES ... DEPS ...): a library of libs/ with include/ as its
# public include directory and the project's options.
function(driftless_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE driftless_options ${ARG_PRIVATE_DEPS})
endfunction()
