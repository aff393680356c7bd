export { EtagConflictLink } from './EtagConflictLink.js';
export { threeWayMerge } from './threeWayMerge.js';
export type { FieldConflict, MergeResult } from './threeWayMerge.js';
