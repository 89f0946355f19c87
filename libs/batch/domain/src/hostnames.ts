const INDEX_TOKEN = '{{index}}';
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, 1–63 each, 253 in all. */
export function isValidHostname(name: string): boolean {
  return name.length > 0 && name.length <= 253 && name.split('.').every((label) => LABEL.test(label));
}

export interface HostnameSpec {
  hostname?: string;
  hostnames?: string[];
  quantity: number;
  plan: string;
}

/**
 * The device names of a batch item, in allocation order (batch-deployment.md §4): `{{index}}` becomes the 1-based
 * index zero-padded to max(2, digits(quantity)); a name without it is shared by all; `hostnames[i]` names device i;
 * with neither, `<plan prefix>-<short id>` from `shortId`.
 */
export function expandHostnames(spec: HostnameSpec, shortId: () => string): string[] {
  if (spec.hostnames) return spec.hostnames.slice(0, spec.quantity);
  const width = Math.max(2, String(spec.quantity).length);
  return Array.from({ length: spec.quantity }, (_, i) => {
    if (spec.hostname === undefined) return `${spec.plan.split('.')[0]}-${shortId()}`;
    return spec.hostname.split(INDEX_TOKEN).join(String(i + 1).padStart(width, '0'));
  });
}
