export { default, mxnetCatalog, paramsFileName, type MxnetOptions } from './mxnet.js';
