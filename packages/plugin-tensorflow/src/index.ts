export { default, tensorflowCatalog, type TensorflowOptions } from './tensorflow.js';
