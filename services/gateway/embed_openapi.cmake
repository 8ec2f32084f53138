# cmake -DINPUT=<openapi.json> -DOUTPUT=<file.cpp> -P embed_openapi.cmake
# Writes a C++ source defining kumo::gateway::openapi_document() with the
# JSON text compiled in, so the binary serves exactly the committed document.
file(READ "${INPUT}" text)
string(FIND "${text}" ")kumo_openapi" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw string delimiter )kumo_openapi")
endif()
set(body "// Generated from ${INPUT}; do not edit.\n")
string(APPEND body "#include \"openapi.hpp\"\n\nnamespace kumo::gateway {\n\n")
string(APPEND body "const std::string& openapi_document() {\n")
string(APPEND body "  static const std::string text = R\"kumo_openapi(${text})kumo_openapi\";\n")
string(APPEND body "  return text;\n}\n\n} // namespace kumo::gateway\n")
file(WRITE "${OUTPUT}" "${body}")
