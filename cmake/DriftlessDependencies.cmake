# Every third-party dependency, found once. All come from Debian packages
# (scripts/install-deps.sh); nothing is downloaded at build time.

find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(Python3 REQUIRED COMPONENTS Interpreter)

find_package(simdjson REQUIRED)
find_package(OpenSSL REQUIRED)
pkg_check_modules(LIBYAML REQUIRED IMPORTED_TARGET yaml-0.1)
find_package(SQLite3 REQUIRED)
find_package(CURL REQUIRED)
find_package(ZLIB REQUIRED)
pkg_check_modules(LIBGIT2 REQUIRED IMPORTED_TARGET libgit2)
pkg_check_modules(GPGME REQUIRED IMPORTED_TARGET gpgme)

if(DRIFTLESS_BUILD_TESTS)
  find_package(Catch2 3 REQUIRED)
  include(Catch)
endif()

find_package(Protobuf REQUIRED)
find_package(gRPC CONFIG REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED)
