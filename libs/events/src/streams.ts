/** One JetStream stream per owning service (platform.md §2). */
export const Streams = {
  batch: { name: 'BATCH_EVENTS', subjectPrefix: 'evt.batch' },
  update: { name: 'UPDATE_EVENTS', subjectPrefix: 'evt.update' },
} as const;

export const ServiceNames = {
  batchOrchestrator: 'batch-orchestrator',
  updateResolver: 'update-resolver',
  adminGateway: 'admin-gateway',
} as const;
