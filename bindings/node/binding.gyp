{
  # The addon (src/addon.cc) over libconfai. By default libconfai is
  # compiled here from libconfai/ (scripts/vendor.js copies the C sources
  # there; scripts/sources.js lists them) as meson compiles it (src/meson.build:
  # C11, _POSIX_C_SOURCE, the endorsement fetchers, hidden visibility), and
  # linked into the addon with the system's OpenSSL, libcurl and cJSON.
  # -Dconfai_library=meson links a meson build of libconfai instead, found
  # with pkg-config (scripts/build.js with CONFAI_BUILD_DIR).
  "variables": {"confai_tests%": 0, "confai_library%": "bundled"},
  "target_defaults": {
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "cflags_cc": ["-std=c++17", "-fexceptions"],
    "cflags_cc!": ["-fno-exceptions"],
    "conditions": [
      ["confai_library=='meson'", {
        "cflags_cc": ["<!@(pkg-config --cflags confai)"],
        "libraries": ["<!@(pkg-config --libs confai)"]
      }, {
        "dependencies": ["confai_c"],
        # libconfai's symbols stay inside the addon.
        "ldflags": ["-Wl,--exclude-libs,ALL"]
      }]
    ]
  },
  "targets": [
    {
      "target_name": "confai",
      "sources": ["src/addon.cc"]
    }
  ],
  "conditions": [
    ["confai_library=='bundled'", {
      "targets": [
        {
          "target_name": "confai_c",
          "type": "static_library",
          "sources": ["<!@(node scripts/sources.js)"],
          "include_dirs": ["libconfai/include", "libconfai/src"],
          "defines": ["_POSIX_C_SOURCE=200809L", "CONFAI_SERVER_FETCHERS=1"],
          "cflags": ["-fPIC", "-fvisibility=hidden", "<!@(pkg-config --cflags libcrypto libcurl libcjson)"],
          "cflags_c": ["-std=c11"],
          "dependencies!": ["confai_c"],
          "ldflags!": ["-Wl,--exclude-libs,ALL"],
          "direct_dependent_settings": {
            "include_dirs": ["libconfai/include"]
          },
          "link_settings": {
            "libraries": ["<!@(pkg-config --libs libcrypto libcurl libcjson)", "-lpthread", "-ldl"]
          }
        }
      ]
    }],
    # Test support for the conformance runner (test/conformance.test.js),
    # built when scripts/build.js is asked to (--tests); not part of the
    # package.
    ["confai_tests==1", {
      "targets": [
        {
          "target_name": "confai_gateway_open",
          "sources": ["test/support/native/gateway_open.cc"]
        }
      ]
    }]
  ]
}
