{
  # libconfai is found with pkg-config: scripts/build.js points
  # PKG_CONFIG_PATH at $CONFAI_BUILD_DIR/pkgconfig, whose
  # confai-uninstalled.pc names the build tree (include paths, library
  # directory and an rpath), or at an installed confai.pc.
  "targets": [
    {
      "target_name": "confai",
      "sources": ["src/addon.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "<!@(pkg-config --cflags confai)"],
      "cflags_cc!": ["-fno-exceptions"],
      "libraries": ["<!@(pkg-config --libs confai)"]
    }
  ],
  # Test support for the conformance runner (test/conformance.test.js),
  # built when scripts/build.js is asked to (-Dconfai_tests=1); not part
  # of the package.
  "variables": {"confai_tests%": 0},
  "conditions": [
    ["confai_tests==1", {
      "targets": [
        {
          "target_name": "confai_gateway_open",
          "sources": ["test/support/native/gateway_open.cc"],
          "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
          "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
          "cflags_cc": ["-std=c++17", "-fexceptions", "<!@(pkg-config --cflags confai)"],
          "cflags_cc!": ["-fno-exceptions"],
          "libraries": ["<!@(pkg-config --libs confai)"]
        }
      ]
    }]
  ]
}
