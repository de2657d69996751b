# Packaging tests: the consumer projects in tests/cmake/ each get tensorgrad::tensorgrad one of the three ways a
# user can (find_package after `cmake --install`, add_subdirectory, FetchContent), then build and run a program
# that checks a gradient. `ctest --build-and-test` configures, builds and runs each one; nothing uses the network.
# Label `packaging`: `ctest -LE packaging` skips them (e.g. in sanitizer builds, where they add nothing).

set(TG_PACKAGING_DIR ${CMAKE_CURRENT_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${TG_PACKAGING_DIR})

# Consumers build with this build's compiler and Eigen, so a test failure is about packaging, not toolchains.
set(TG_CONSUMER_OPTIONS -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER} -DEigen3_DIR=${Eigen3_DIR})

# Registers packaging.<name>: configures the consumer project tests/cmake/<PROJECT> (default: <name>) in its
# own build dir with the -D options given after OPTIONS, builds it and runs its `consumer` with RUN_ARGS
# (NO_RUN: configure and build only).
function(tensorgrad_consumer_test name)
  cmake_parse_arguments(arg "NO_RUN" "PROJECT" "OPTIONS;RUN_ARGS" ${ARGN})
  if(NOT arg_PROJECT)
    set(arg_PROJECT ${name})
  endif()
  string(REPLACE "." "_" dir ${name})
  set(run --test-command consumer ${arg_RUN_ARGS})
  if(arg_NO_RUN)
    set(run "")
  endif()
  add_test(NAME packaging.${name}
    COMMAND ${CMAKE_CTEST_COMMAND}
      --build-and-test ${CMAKE_CURRENT_SOURCE_DIR}/cmake/${arg_PROJECT} ${TG_PACKAGING_DIR}/${dir}
      --build-generator ${CMAKE_GENERATOR}
      --build-makeprogram ${CMAKE_MAKE_PROGRAM}
      --build-options ${TG_CONSUMER_OPTIONS} ${arg_OPTIONS}
      ${run})
  set_tests_properties(packaging.${name} PROPERTIES LABELS packaging)
endfunction()

if(TENSORGRAD_INSTALL)
  # Install into an emptied prefix, so a header or config file dropped from the install rules fails the test
  # instead of being found left over from an earlier run.
  set(TG_PACKAGING_PREFIX ${TG_PACKAGING_DIR}/prefix)
  add_test(NAME packaging.clean_prefix COMMAND ${CMAKE_COMMAND} -E remove_directory ${TG_PACKAGING_PREFIX})
  add_test(NAME packaging.install COMMAND ${CMAKE_COMMAND} --install ${PROJECT_BINARY_DIR} --prefix ${TG_PACKAGING_PREFIX})
  set_tests_properties(packaging.clean_prefix PROPERTIES LABELS packaging FIXTURES_SETUP tensorgrad_prefix_clean)
  set_tests_properties(packaging.install PROPERTIES LABELS packaging
    FIXTURES_REQUIRED tensorgrad_prefix_clean FIXTURES_SETUP tensorgrad_installed)
  tensorgrad_consumer_test(find_package OPTIONS -DCMAKE_PREFIX_PATH=${TG_PACKAGING_PREFIX})
  set_tests_properties(packaging.find_package PROPERTIES FIXTURES_REQUIRED tensorgrad_installed)

  # The compiled mode: one consumer built header-only and against the installed tensorgrad::compiled (with a
  # header-only object mixed in), then compared byte for byte and checked for local instantiations; and built
  # in compiled mode without the library, which must fail to link with a message that says what to link.
  if(TENSORGRAD_COMPILED_LIBRARY)
    foreach(mode header_only compiled)
      tensorgrad_consumer_test(compiled_mode.${mode} PROJECT compiled_mode
        OPTIONS -DCMAKE_PREFIX_PATH=${TG_PACKAGING_PREFIX} -DCMAKE_BUILD_TYPE=Release -DTG_MODE=${mode}
        RUN_ARGS ${TG_PACKAGING_DIR}/compiled_mode_${mode}/out)
      set_tests_properties(packaging.compiled_mode.${mode} PROPERTIES
        FIXTURES_REQUIRED tensorgrad_installed FIXTURES_SETUP compiled_mode_${mode})
    endforeach()
    add_test(NAME packaging.compiled_mode.check
      COMMAND ${CMAKE_COMMAND} -DNM=${CMAKE_NM} -DLIST=${PROJECT_SOURCE_DIR}/include/tensorgrad/instantiations.hpp
        -DHEADER_ONLY_DIR=${TG_PACKAGING_DIR}/compiled_mode_header_only
        -DCOMPILED_DIR=${TG_PACKAGING_DIR}/compiled_mode_compiled
        -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/compiled_mode/check.cmake)
    set_tests_properties(packaging.compiled_mode.check PROPERTIES LABELS packaging
      FIXTURES_REQUIRED "compiled_mode_header_only;compiled_mode_compiled")
    tensorgrad_consumer_test(compiled_mode.unlinked PROJECT compiled_mode NO_RUN
      OPTIONS -DCMAKE_PREFIX_PATH=${TG_PACKAGING_PREFIX} -DTG_MODE=unlinked)
    set_tests_properties(packaging.compiled_mode.unlinked PROPERTIES FIXTURES_REQUIRED tensorgrad_installed
      PASS_REGULAR_EXPRESSION "undefined reference to `tg::detail::TENSORGRAD_COMPILED_is_defined_so_link_the_tensorgrad_compiled_library")
  endif()
endif()

tensorgrad_consumer_test(add_subdirectory OPTIONS -DTENSORGRAD_SOURCE_DIR=${PROJECT_SOURCE_DIR})

# FetchContent downloads and extracts a source archive like a release tarball, made here from the working tree.
set(TG_PACKAGING_ARCHIVE ${TG_PACKAGING_DIR}/tensorgrad-src.tar.gz)
add_test(NAME packaging.source_archive
  COMMAND ${CMAKE_COMMAND} -E chdir ${PROJECT_SOURCE_DIR}
          ${CMAKE_COMMAND} -E tar czf ${TG_PACKAGING_ARCHIVE} CMakeLists.txt LICENSE cmake include src)
set_tests_properties(packaging.source_archive PROPERTIES LABELS packaging FIXTURES_SETUP tensorgrad_archive)
tensorgrad_consumer_test(fetch_content OPTIONS -DTENSORGRAD_URL=file://${TG_PACKAGING_ARCHIVE})
set_tests_properties(packaging.fetch_content PROPERTIES FIXTURES_REQUIRED tensorgrad_archive)
