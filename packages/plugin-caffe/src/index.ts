export { default, caffeCatalog, type CaffeOptions } from './caffe.js';
