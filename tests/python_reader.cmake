# A checkpoint written by tensorgrad, read back by an independent reader: write_checkpoint_fixture saves a
# module (tg::save) and tensors of every dtype (tg::io::save_tensors), then tests/read_safetensors.py (Python 3
# standard library only: struct + json) lists them and must print exactly the values spelled out below.
# Registered only when a Python 3 interpreter is found.

find_package(Python3 COMPONENTS Interpreter)
if(Python3_Interpreter_FOUND)
  add_executable(write_checkpoint_fixture write_checkpoint_fixture.cpp)
  target_link_libraries(write_checkpoint_fixture PRIVATE tensorgrad::tensorgrad tensorgrad_test_flags)

  set(TG_FIXTURE_DIR ${CMAKE_CURRENT_BINARY_DIR}/safetensors_fixture)
  file(MAKE_DIRECTORY ${TG_FIXTURE_DIR})
  add_test(NAME safetensors.write_fixture COMMAND write_checkpoint_fixture ${TG_FIXTURE_DIR})
  set_tests_properties(safetensors.write_fixture PROPERTIES FIXTURES_SETUP safetensors_fixture)

  set(TG_READER ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/read_safetensors.py)
  # float32 values print as the doubles they widen to exactly (0.1f is 0.10000000149011612).
  add_test(NAME safetensors.python_reader_model
    COMMAND ${TG_READER} ${TG_FIXTURE_DIR}/model.safetensors
      --expect "metadata format=pt"
      --expect "fc1.weight F32 [2, 2] 0.5 -1.25 2.0 0.10000000149011612"
      --expect "fc1.bias F32 [2] 1.0 -0.0"
      --expect "fc2.weight F32 [1, 2] 3.0 -4.0"
      --expect "fc2.bias F32 [1] 0.25")
  add_test(NAME safetensors.python_reader_tensors
    COMMAND ${TG_READER} ${TG_FIXTURE_DIR}/tensors.safetensors
      --expect "metadata note=written by tensorgrad"
      --expect "step I64 [] 42"
      --expect "extremes I64 [2] -9223372036854775808 9223372036854775807"
      --expect "third F64 [3] 0.3333333333333333 -1e-300 inf"
      --expect "empty F64 [0, 3]")
  set_tests_properties(safetensors.python_reader_model safetensors.python_reader_tensors
    PROPERTIES FIXTURES_REQUIRED safetensors_fixture)
endif()
