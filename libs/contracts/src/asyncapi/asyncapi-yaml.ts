import { stringify } from 'yaml';
import { asyncApiDocument } from './asyncapi-document';

/** The document as it is committed: YAML, without anchors, lines up to 120 characters. */
export function asyncApiYaml(root: string): string {
  return stringify(asyncApiDocument(root), { aliasDuplicateObjects: false, lineWidth: 120 });
}
