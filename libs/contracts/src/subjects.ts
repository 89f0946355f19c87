import { Subject } from './platform/subject';
import { BatchSubjects, CatalogSubjects } from './batch/batch-messages';
import { TenancySubjects } from './tenancy/tenancy-messages';
import { UpdateSubjects } from './update/update-messages';

/** Every command and query on the bus: what the AsyncAPI document is generated from. */
export const AllSubjects: readonly Subject[] = [
  ...Object.values(TenancySubjects),
  ...Object.values(BatchSubjects),
  ...Object.values(CatalogSubjects),
  ...Object.values(UpdateSubjects),
];
