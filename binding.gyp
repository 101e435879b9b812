{
  "targets": [
    {
      "target_name": "antorcha",
      "sources": [
        "native/binding.cc",
        "native/cpu/storage.cc",
        "native/cpu/threads.cc",
        "native/cpu/tensor_arg.cc",
        "native/cpu/dnnl_context.cc",
        "native/cpu/elementwise.cc",
        "native/cpu/reduce.cc",
        "native/cpu/softmax.cc",
        "native/cpu/matmul.cc",
        "native/cpu/index.cc",
        "native/cpu/random.cc",
        "native/cpu/conv.cc",
        "native/cpu/conv_gemm.cc",
        "native/cpu/conv_forward_gemm.cc",
        "native/cpu/conv_winograd.cc",
        "native/cpu/batchnorm.cc",
        "native/cpu/channel_ops.cc",
        "native/cpu/channel_pool.cc",
        "native/cpu/pool.cc",
        "native/cpu/rnn.cc",
        "native/cpu/lstm_loop.cc",
        "native/cpu/weight_cache.cc",
        "native/cpu/optim.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native/include"],
      "defines": ["NAPI_CPP_EXCEPTIONS", "NAPI_VERSION=8"],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-O2"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "-march=native", "-fopenmp", "-Wall", "-Wno-unused-parameter", "-Wno-int-in-bool-context", "-Wno-missing-field-initializers"],
      "libraries": ["-ldnnl", "-fopenmp"]
    }
  ]
}
