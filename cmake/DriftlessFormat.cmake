# `format` rewrites every C++ file with clang-format; `check-format` fails when one differs.

find_program(CLANG_FORMAT_PROGRAM NAMES clang-format clang-format-14)
if(CLANG_FORMAT_PROGRAM)
  file(GLOB_RECURSE DRIFTLESS_FORMAT_FILES CONFIGURE_DEPENDS
    ${PROJECT_SOURCE_DIR}/libs/*.h ${PROJECT_SOURCE_DIR}/libs/*.cpp
    ${PROJECT_SOURCE_DIR}/api/*.h ${PROJECT_SOURCE_DIR}/api/*.cpp
    ${PROJECT_SOURCE_DIR}/cli/*.h ${PROJECT_SOURCE_DIR}/cli/*.cpp
    ${PROJECT_SOURCE_DIR}/controllers/*.h ${PROJECT_SOURCE_DIR}/controllers/*.cpp
    ${PROJECT_SOURCE_DIR}/test/*.h ${PROJECT_SOURCE_DIR}/test/*.cpp
    ${PROJECT_SOURCE_DIR}/scripts/*.cpp)
  add_custom_target(format
    COMMAND ${CLANG_FORMAT_PROGRAM} -i ${DRIFTLESS_FORMAT_FILES}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} COMMENT "clang-format -i")
  add_custom_target(check-format
    COMMAND ${CLANG_FORMAT_PROGRAM} --dry-run --Werror ${DRIFTLESS_FORMAT_FILES}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} COMMENT "clang-format --dry-run --Werror")
  if(DRIFTLESS_BUILD_TESTS)
    add_test(NAME format.check
      COMMAND ${CLANG_FORMAT_PROGRAM} --dry-run --Werror ${DRIFTLESS_FORMAT_FILES}
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  endif()
endif()
