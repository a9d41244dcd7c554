export { default, kerasCatalog, type KerasOptions } from './keras.js';
