/** The caffe example of interface.md, as a model of a raw config: shared by the core's unit tests. */
export const mnistModel = {
  name: 'mnist',
  framework: 'caffe',
  aiArchV: 'caffe-1.0.0',
  packFilePath: './examples/caffe-mnist/code',
  mainModule: 'mnist_inference',
  mainClass: 'MnistModel',
  modelDir: 'checkpoint_dir',
  modelName: 'mnist_model',
  image: 'caffe-inference:test',
};
