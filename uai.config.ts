import { defineConfig } from '@uai/core';
import onnx from 'uai-plugin-onnx';

// Builds the examples, all four at once: `uai build` checks, renders, builds and pushes them in parallel.
// `npm run demo` points UAI_REGISTRY_HOST at a local registry; with a UHub account, set
// UHUB_USERNAME/UHUB_PASSWORD and change `namespace` to your repository.
export default defineConfig({
  registry: {
    namespace: 'uai_demo',
  },
  // A third-party framework: the example plugin in examples/plugin-onnx (docs/plugins.md).
  plugins: [onnx()],
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
    {
      // export/ is a SavedModel. `npm run demo` adds export/variables/variables.data-00000-of-00001,
      // ~200 MB of random weights (not in git), so this model's upload shows its progress.
      name: 'tensorflow-digits',
      framework: 'tensorflow',
      aiArchV: 'tensorflow-1.9.0',
      packFilePath: './examples/tensorflow-digits/code',
      mainModule: 'digits_inference',
      mainClass: 'DigitsModel',
      modelDir: 'export',
      // Copied unchanged into the service config's `tensorflow` section.
      tag: ['serve'],
      signature: 'serving_default',
      image: 'tensorflow-inference:test',
    },
    {
      name: 'keras-digits',
      framework: 'keras',
      aiArchV: 'keras-1.2.0',
      packFilePath: './examples/keras-digits/code',
      mainModule: 'keras_inference',
      mainClass: 'DigitsModel',
      modelDir: 'checkpoint_dir',
      modelName: 'digits', // checkpoint_dir/digits.{json,h5}
      image: 'keras-inference:test',
    },
    {
      name: 'onnx-classifier',
      framework: 'onnx',
      packFilePath: './examples/onnx-classifier/code',
      mainModule: 'onnx_inference',
      mainClass: 'ClassifierModel',
      modelDir: 'model',
      modelName: 'classifier', // model/classifier.onnx
      image: 'onnx-inference:test',
    },
  ],
});
