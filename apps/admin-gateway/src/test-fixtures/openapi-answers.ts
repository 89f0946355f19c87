import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

type Document = {
  paths: Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, { schema?: object }> }> }>
  >;
  components?: object;
};

/**
 * Reads answers against the API document as a client generated from it would: the route and status must be in the
 * document, and a JSON body must match the schema it gives for that status. Returns what does not.
 */
export function openApiAnswerChecker(document: Document) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const routes = Object.keys(document.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }));
  const compiled = new Map<string, ValidateFunction>();
  return (method: string, url: string, status: number, body: unknown): string[] => {
    const path = url.split('?')[0];
    const route = routes.find((r) => r.pattern.test(path));
    const operation = route && document.paths[route.template][method.toLowerCase()];
    if (!operation) return [`${method} ${path} is not in the API document`];
    const responses = operation.responses ?? {};
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => responses[k]);
    if (!key) return [`${method} ${route.template} answered ${status}, which the API document does not list`];
    const schema = responses[key].content?.['application/json']?.schema;
    if (!schema || body === null) return [];
    const id = `${method} ${route.template} ${key}`;
    let validate = compiled.get(id);
    if (!validate) {
      validate = ajv.compile({ ...schema, components: document.components });
      compiled.set(id, validate);
    }
    return validate(body) ? [] : (validate.errors ?? []).map((e) => `${id}: ${e.instancePath || '/'} ${e.message}`);
  };
}
