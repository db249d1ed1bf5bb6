# Included from src/CMakeLists.txt after ufb_core is defined: compiles the files of
# models/ufb-mini-fff/ into ufb_core (include/ufb/model/builtin_model.h) with an assembler
# .incbin; editing one of the files re-embeds it.
set(ufb_builtin_model_dir ${PROJECT_SOURCE_DIR}/models/ufb-mini-fff)
set(ufb_builtin_model_files
  ${ufb_builtin_model_dir}/config.json
  ${ufb_builtin_model_dir}/model.safetensors
  ${ufb_builtin_model_dir}/tokenizer.json)
target_sources(ufb_core PRIVATE model/builtin_model.cc)
if(UFB_EMBED_DEFAULT_MODEL)
  enable_language(ASM)
  set(UFB_BUILTIN_CONFIG "\"${ufb_builtin_model_dir}/config.json\"")
  set(UFB_BUILTIN_WEIGHTS "\"${ufb_builtin_model_dir}/model.safetensors\"")
  set(UFB_BUILTIN_TOKENIZER "\"${ufb_builtin_model_dir}/tokenizer.json\"")
  set(ufb_builtin_model_data ${CMAKE_CURRENT_BINARY_DIR}/builtin_model_data.S)
  configure_file(model/builtin_model_data.S.in ${ufb_builtin_model_data} @ONLY)
  set_source_files_properties(${ufb_builtin_model_data} PROPERTIES
    OBJECT_DEPENDS "${ufb_builtin_model_files}")
  target_sources(ufb_core PRIVATE ${ufb_builtin_model_data})
  set_source_files_properties(model/builtin_model.cc PROPERTIES
    COMPILE_DEFINITIONS UFB_EMBED_DEFAULT_MODEL=1)
else()
  set_source_files_properties(model/builtin_model.cc PROPERTIES
    COMPILE_DEFINITIONS UFB_EMBED_DEFAULT_MODEL=0)
endif()
