// `npm run asyncapi`: writes libs/contracts/asyncapi.yaml from the subject registry and the event types.
import fs from 'node:fs';
import path from 'node:path';
import { asyncApiYaml } from './asyncapi-yaml';

const root = path.resolve(__dirname, '../../../..');
fs.writeFileSync(path.join(root, 'libs/contracts/asyncapi.yaml'), asyncApiYaml(root));
