export { EtagConflictLink, intendedChange } from './EtagConflictLink.js';
export { threeWayMerge, deepEqual } from './threeWayMerge.js';
export type { FieldConflict, MergeResult } from './threeWayMerge.js';
export { findEtagPath, getAtPath, setAtPath } from './etagPath.js';
