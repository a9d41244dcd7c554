export { default, xgboostCatalog, type XgboostOptions } from './xgboost.js';
