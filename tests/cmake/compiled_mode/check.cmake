# cmake -DNM=... -DLIST=.../instantiations.hpp -DHEADER_ONLY_DIR=... -DCOMPILED_DIR=... -P check.cmake
# After both consumer builds ran (HEADER_ONLY_DIR, COMPILED_DIR: their build trees, outputs in out/):
#  1. both programs wrote the same bytes (losses and checkpoint);
#  2. the compiled-mode object defines none of the templates the list names, and calls some of them from the
#     library; the header-only object defines some (so this check can see them).

foreach(file losses.txt model.safetensors)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files
    ${HEADER_ONLY_DIR}/out/${file} ${COMPILED_DIR}/out/${file} RESULT_VARIABLE differ)
  if(differ)
    message(FATAL_ERROR "compiled mode changed the result: ${file} differs between the header-only and the "
      "compiled consumer (${HEADER_ONLY_DIR}/out, ${COMPILED_DIR}/out)")
  endif()
endforeach()
message(STATUS "losses.txt and model.safetensors are byte-for-byte the same in both modes")

# The listed names, e.g. add, nn::functional::cross_entropy, optim::Adam: in the list's macros, every ` tg::X<`
# names an entry (the types in the signatures are spelled `::tg::`).
file(READ ${LIST} text)
string(REGEX MATCHALL " tg::[a-zA-Z_0-9:]+<" names "${text}")
list(TRANSFORM names REPLACE "^ tg::(.*)<$" "\\1")
list(REMOVE_DUPLICATES names)
list(LENGTH names count)
string(JOIN "|" alternatives ${names})
# A listed function (`tg::add<float>(`) or a member of a listed class (`tg::optim::Adam<float>::`).
set(listed "(^| )tg::(${alternatives})<[^()]*>(\\(|::)")

function(listed_symbols object kind out)  # kind: defined or undefined
  execute_process(COMMAND ${NM} -C --${kind}-only ${object} OUTPUT_VARIABLE symbols RESULT_VARIABLE failed)
  if(failed)
    message(FATAL_ERROR "${NM} failed on ${object}")
  endif()
  string(REPLACE "\n" ";" symbols "${symbols}")
  set(found "")
  foreach(symbol IN LISTS symbols)
    string(REGEX REPLACE "^[0-9a-f ]*[A-Za-z] " "" symbol "${symbol}")
    if(symbol MATCHES "${listed}")
      list(APPEND found "${symbol}")
    endif()
  endforeach()
  set(${out} "${found}" PARENT_SCOPE)
endfunction()

set(object CMakeFiles/consumer.dir/main.cpp.o)
listed_symbols(${COMPILED_DIR}/${object} defined local)
listed_symbols(${COMPILED_DIR}/${object} undefined called)
listed_symbols(${HEADER_ONLY_DIR}/${object} defined header_only)
list(LENGTH called called_count)
list(LENGTH header_only header_only_count)
if(local)
  string(REPLACE ";" "\n  " local "${local}")
  message(FATAL_ERROR "the compiled-mode consumer instantiates listed templates itself:\n  ${local}")
endif()
if(called_count EQUAL 0 OR header_only_count EQUAL 0)
  message(FATAL_ERROR "expected the compiled-mode object to call listed templates (found ${called_count}) and the "
    "header-only one to define them (found ${header_only_count}): is the check still looking at the right names?")
endif()
message(STATUS "${count} listed names: the compiled-mode object defines none and calls ${called_count} from the "
  "library; the header-only object defines ${header_only_count} of them itself")
