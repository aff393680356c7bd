export { FaultLink } from './FaultLink.js';
