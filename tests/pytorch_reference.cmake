# The differential test against PyTorch ([pytorch] in tensorgrad_tests) reads the committed reference values,
# tests/reference/pytorch.txt, on every run. Where Python's torch is installed (Debian: python3-torch, whose
# interpreter is /usr/bin/python3), the script that wrote them computes them afresh and the test runs once more
# against that file, so the committed values are checked against PyTorch itself, not trusted.
# Regenerating the committed file: /usr/bin/python3 tests/pytorch_reference.py tests/reference/pytorch.txt

find_program(TG_TORCH_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(TG_TORCH_PYTHON AND NOT DEFINED TG_TORCH_IMPORTS)
  execute_process(COMMAND ${TG_TORCH_PYTHON} -c "import torch" RESULT_VARIABLE torch_status OUTPUT_QUIET ERROR_QUIET)
  if(torch_status EQUAL 0)
    set(TG_TORCH_IMPORTS ON CACHE INTERNAL "python3 imports torch")
  else()
    set(TG_TORCH_IMPORTS OFF CACHE INTERNAL "python3 imports torch")
  endif()
endif()

if(TG_TORCH_IMPORTS)
  set(fresh ${CMAKE_CURRENT_BINARY_DIR}/pytorch_reference.txt)
  add_test(NAME pytorch_reference.compute
    COMMAND ${TG_TORCH_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/pytorch_reference.py ${fresh})
  set_tests_properties(pytorch_reference.compute PROPERTIES FIXTURES_SETUP pytorch_reference)
  add_test(NAME pytorch_reference.against_fresh_values COMMAND tensorgrad_tests "[pytorch]")
  set_tests_properties(pytorch_reference.against_fresh_values PROPERTIES ENVIRONMENT TG_PYTORCH_REFERENCE=${fresh}
    FIXTURES_REQUIRED pytorch_reference)
else()
  message(STATUS "python3 with torch not found: [pytorch] compares with the committed reference values only")
endif()
