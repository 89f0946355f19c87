export * from './projection';
export * from './changeset';
export * from './checkpoint-store';
export * from './parked-store';
export * from './apply-commits';
export * from './projection-runner';
export * from './rebuild-projection';
export * from './migrations';
