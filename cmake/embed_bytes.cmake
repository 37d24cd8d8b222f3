# segs_file_to_c_array(<file> <out_bytes> <out_size>): reads <file> and sets
# <out_bytes> to its contents as a C initializer list ("0x2d,0x2d,...", 16 a
# line, with a trailing 0x00 so the array is never empty) and <out_size> to
# its length in bytes. Shared by the build-time generators that embed files
# into the library (migrations, the OpenAPI document), so no text needs
# escaping.
function(segs_file_to_c_array file out_bytes out_size)
  file(READ "${file}" hex HEX)
  string(LENGTH "${hex}" hexlen)
  math(EXPR size "${hexlen} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  set(line "")
  foreach(i RANGE 1 16)
    string(APPEND line "0x[0-9a-f][0-9a-f],")
  endforeach()
  string(REGEX REPLACE "(${line})" "\\1\n    " bytes "${bytes}")
  set(${out_bytes} "${bytes}0x00" PARENT_SCOPE)
  set(${out_size} "${size}" PARENT_SCOPE)
endfunction()
