# Runs a ufb command once as a single process and once under mpiexec, each writing OUT, and
# requires the two outputs to be byte-identical. With --batch-size 1 --threads 1 every input is
# computed the same way in both runs, so sharding must not change a single bit.
# -D UFB=... -D MPIEXEC=... -D WORK_DIR=... -D OUT_NAME=... -D ARGS="a;b;c"
foreach(mode single sharded)
  set(out "${WORK_DIR}/${mode}_${OUT_NAME}")
  file(REMOVE "${out}")
  set(command "${UFB}" ${ARGS} --batch-size 1 --threads 1 --out "${out}")
  if(mode STREQUAL "sharded")
    set(command "${MPIEXEC}" -n 2 --oversubscribe ${command})
  endif()
  execute_process(COMMAND ${command} RESULT_VARIABLE status TIMEOUT 120)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${mode} run failed (${status}): ${command}")
  endif()
endforeach()
execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${WORK_DIR}/single_${OUT_NAME}"
                "${WORK_DIR}/sharded_${OUT_NAME}" RESULT_VARIABLE differ)
if(NOT differ EQUAL 0)
  message(FATAL_ERROR "sharded output differs from the single-process one: ${OUT_NAME}")
endif()
message(STATUS "identical: ${OUT_NAME}")
