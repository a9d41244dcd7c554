export { default, type SelfOptions } from './self.js';
