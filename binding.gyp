{
  "target_defaults": {
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native/include"],
    "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
    "cflags": ["-O3", "-fno-math-errno", "-fno-trapping-math", "-pthread"],
    "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fno-trapping-math", "-pthread"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++1y", "-std=gnu++17"],
    "ldflags": ["-pthread"],
    "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3"], "GCC_ENABLE_CPP_EXCEPTIONS": "YES" }
  },
  "targets": [
    {
      "target_name": "frugal_native",
      "sources": ["<!@(node scripts/list-native-sources.mjs portable)"],
      "conditions": [
        ["target_arch=='x64'", { "dependencies": ["frugal_avx2", "frugal_avx512"], "defines": ["FRUGAL_X86=1"] }]
      ]
    }
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "frugal_avx2",
          "type": "static_library",
          "sources": ["<!@(node scripts/list-native-sources.mjs avx2)"],
          "defines": ["FRUGAL_X86=1"],
          "cflags": ["-mavx2", "-mfma", "-mf16c", "-fPIC"],
          "cflags_cc": ["-mavx2", "-mfma", "-mf16c", "-fPIC"]
        },
        {
          "target_name": "frugal_avx512",
          "type": "static_library",
          "sources": ["<!@(node scripts/list-native-sources.mjs avx512)"],
          "defines": ["FRUGAL_X86=1"],
          "cflags": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512vnni", "-mavx512bf16", "-mfma", "-mf16c", "-fPIC"],
          "cflags_cc": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512vnni", "-mavx512bf16", "-mfma", "-mf16c", "-fPIC"]
        }
      ]
    }]
  ]
}
