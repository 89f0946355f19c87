export interface MetricSample {
  labels: Record<string, string>;
  value: number;
}

/** The samples of one metric on a `/metrics` page (Prometheus's text format), each with its labels. */
export async function metricSamples(metricsUrl: string, name: string): Promise<MetricSample[]> {
  const text = await (await fetch(metricsUrl)).text();
  return [...text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm'))].map(([, labels = '', value]) => ({
    labels: Object.fromEntries([...labels.matchAll(/(\w+)="([^"]*)"/g)].map(([, key, label]) => [key, label])),
    value: Number(value),
  }));
}

/** The sum of a metric's samples on a `/metrics` page whose labels include these (all of them when none are given). */
export async function metricSum(
  metricsUrl: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  return (await metricSamples(metricsUrl, name))
    .filter((sample) => Object.entries(labels).every(([key, label]) => sample.labels[key] === label))
    .reduce((sum, sample) => sum + sample.value, 0);
}
