import 'reflect-metadata';
import { ServiceNames } from '@flotilla/contracts';
import { runMain } from '@flotilla/nest-platform';
import { createOrchestrator } from './bootstrap';
import { CONFIG, OrchestratorConfig } from './config';

runMain(ServiceNames.batchOrchestrator, async () => {
  const app = await createOrchestrator();
  await app.listen(app.get<OrchestratorConfig>(CONFIG).healthPort, '0.0.0.0');
});
