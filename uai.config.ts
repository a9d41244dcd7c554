import { defineConfig } from '@uai/core';

// Builds the examples. `npm run demo` points UAI_REGISTRY_HOST at a local registry; with a UHub
// account, set UHUB_USERNAME/UHUB_PASSWORD and change `namespace` to your repository.
export default defineConfig({
  registry: {
    namespace: 'uai_demo',
  },
  models: [
    {
      name: 'caffe-mnist',
      framework: 'caffe',
      aiArchV: 'caffe-1.0.0',
      packFilePath: './examples/caffe-mnist/code',
      mainModule: 'mnist_inference',
      mainClass: 'MnistModel',
      modelDir: 'checkpoint_dir',
      modelName: 'mnist_model',
      image: 'caffe-inference:test',
    },
  ],
});
