/**
 * The CloudWatch console's dashboards, played locally: reads every `AWS::CloudWatch::Dashboard`
 * of the synthesized templates (the same bodies `cdk deploy` creates, resolved to local names),
 * and serves a page per dashboard that draws each metric widget with Chart.js from the emulator's
 * metrics, refreshing every few seconds.
 *
 * Sum, Average, Minimum, Maximum and SampleCount come from the emulator (GetMetricData); moto has
 * no percentiles, so pNN lines come from the local CloudWatch's raw values (see cloudwatch.ts).
 * Log widgets (Logs Insights) run only in AWS: the page says so where one stands.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { LocalCloudWatch } from './cloudwatch.ts';
import { REPO_ROOT } from './paths.ts';
import { emulatorClientConfig } from './provision.ts';
import { type StackTemplate, TemplateError, type TemplateResolver } from './template.ts';

/** One line of a metric widget: `[namespace, name, dim, value, ..., { stat, label, period }]`. */
export interface DashboardMetric {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly stat: string;
  readonly label: string;
  readonly periodSeconds: number;
}

export type DashboardWidget =
  | {
      readonly type: 'metric';
      readonly title: string;
      readonly width: number;
      readonly yLabel?: string;
      readonly metrics: readonly DashboardMetric[];
    }
  | { readonly type: 'log'; readonly title: string; readonly width: number; readonly query: string }
  | { readonly type: 'text'; readonly width: number; readonly markdown: string };

export interface LocalDashboard {
  readonly name: string;
  readonly widgets: readonly DashboardWidget[];
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses one widget of a CloudWatch dashboard body. */
const parseWidget = (raw: unknown, where: string): DashboardWidget => {
  if (!isRecord(raw) || !isRecord(raw.properties))
    throw new TemplateError(`${where}: malformed widget`);
  const props = raw.properties;
  const width = typeof raw.width === 'number' ? raw.width : 6;
  const title = typeof props.title === 'string' ? props.title : '';
  if (raw.type === 'text') return { type: 'text', width, markdown: String(props.markdown ?? '') };
  if (raw.type === 'log') return { type: 'log', title, width, query: String(props.query ?? '') };
  if (raw.type !== 'metric')
    throw new TemplateError(`${where}: widget type ${String(raw.type)} is not rendered locally`);
  const period = typeof props.period === 'number' ? props.period : 300;
  const defaultStat = typeof props.stat === 'string' ? props.stat : 'Average';
  const metrics: DashboardMetric[] = [];
  let previous: string[] = [];
  for (const line of Array.isArray(props.metrics) ? props.metrics : []) {
    if (!Array.isArray(line)) continue;
    const last = line[line.length - 1];
    const options = isRecord(last) ? last : {};
    // CloudWatch's shorthand: '.' repeats the element of the previous line.
    const parts = (isRecord(last) ? line.slice(0, -1) : line).map((part, index) =>
      part === '.' ? (previous[index] ?? '') : String(part),
    );
    previous = parts;
    const [namespace = '', name = '', ...dims] = parts;
    const dimensions: Record<string, string> = {};
    for (let index = 0; index + 1 < dims.length; index += 2)
      dimensions[dims[index] ?? ''] = dims[index + 1] ?? '';
    metrics.push({
      namespace,
      name,
      dimensions,
      stat: typeof options.stat === 'string' ? options.stat : defaultStat,
      label: typeof options.label === 'string' ? options.label : name,
      periodSeconds: typeof options.period === 'number' ? options.period : period,
    });
  }
  const yAxis = isRecord(props.yAxis) && isRecord(props.yAxis.left) ? props.yAxis.left : {};
  return {
    type: 'metric',
    title,
    width,
    metrics,
    ...(typeof yAxis.label === 'string' && { yLabel: yAxis.label }),
  };
};

/** Every dashboard of the templates, with names and dimension values resolved to local names. */
export const readDashboards = (
  stacks: readonly StackTemplate[],
  resolver: TemplateResolver,
): LocalDashboard[] =>
  stacks.flatMap(({ stackName, template }) =>
    Object.entries(template.Resources ?? {})
      .filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Dashboard')
      .map(([logicalId, resource]) => {
        const where = `${stackName}.${logicalId}`;
        const name = String(
          resolver.resolve(stackName, resource.Properties?.DashboardName ?? logicalId),
        );
        const body = resolver.resolve(stackName, resource.Properties?.DashboardBody);
        if (typeof body !== 'string')
          throw new TemplateError(`${where}: DashboardBody is not a string`);
        const parsed = JSON.parse(body) as { widgets?: unknown[] };
        return {
          name,
          widgets: (parsed.widgets ?? []).map((widget, index) =>
            parseWidget(widget, `${where} widget ${index}`),
          ),
        };
      }),
  );

export interface SeriesPoint {
  readonly label: string;
  readonly timestamps: readonly number[];
  readonly values: readonly number[];
}

const PERCENTILE = /^p(\d+(?:\.\d+)?)$/;

export interface DashboardServerOptions {
  readonly dashboards: readonly LocalDashboard[];
  readonly endpoint: string;
  readonly region: string;
  readonly cloudwatch: LocalCloudWatch;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** Seconds between refreshes of the page. @default 5 */
  readonly refreshSeconds?: number;
}

export interface DashboardServer {
  readonly url: string;
  /** The data one widget's chart shows, as the page fetches it. */
  widgetData(dashboard: string, widget: number, minutes: number): Promise<SeriesPoint[]>;
  stop(): Promise<void>;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

const page = (
  dashboard: LocalDashboard,
  names: readonly string[],
  refreshSeconds: number,
) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(dashboard.name)} (local)</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#16191f}
header{background:#232f3e;color:#fff;padding:10px 16px;display:flex;gap:16px;align-items:baseline}
header a{color:#ffb84d;text-decoration:none} header h1{font-size:18px;margin:0}
main{display:grid;grid-template-columns:repeat(24,1fr);gap:8px;padding:8px}
.widget{background:#fff;border:1px solid #d5dbdb;border-radius:4px;padding:6px;min-width:0}
.widget h2{font-size:13px;margin:0 0 4px} .note{font-size:12px;color:#545b64}
canvas{width:100%!important;height:180px!important} pre{white-space:pre-wrap;word-break:break-all}
</style></head><body>
<header><h1>${escapeHtml(dashboard.name)}</h1><span>local · refreshes every ${refreshSeconds}s · last hour</span>
${names.map((name) => `<a href="/dashboards/${encodeURIComponent(name)}">${escapeHtml(name)}</a>`).join(' ')}</header>
<main id="widgets"></main>
<script src="/vendor/chart.umd.min.js"></script>
<script>
const DASHBOARD = ${JSON.stringify(dashboard.name)};
const WIDGETS = ${JSON.stringify(dashboard.widgets)};
const charts = [];
window.dashboardState = { points: {}, refreshes: 0 };
const main = document.getElementById('widgets');
WIDGETS.forEach((widget, index) => {
  const box = document.createElement('section');
  box.className = 'widget';
  box.style.gridColumn = 'span ' + Math.max(1, Math.min(24, widget.width));
  box.dataset.widget = String(index);
  if (widget.type === 'metric') {
    box.innerHTML = '<h2></h2><canvas></canvas>';
    box.querySelector('h2').textContent = widget.title;
    const chart = new Chart(box.querySelector('canvas'), {
      type: 'line',
      data: { datasets: [] },
      options: { animation: false, parsing: false, responsive: true, maintainAspectRatio: false,
        scales: { x: { type: 'linear', ticks: { stepSize: 600000, callback: (v) => new Date(v).toISOString().slice(11, 16) } },
                  y: { beginAtZero: true, title: { display: !!widget.yLabel, text: widget.yLabel || '' } } },
        plugins: { legend: { labels: { boxWidth: 10, font: { size: 10 } } } } },
    });
    charts.push({ index, chart, title: widget.title });
  } else if (widget.type === 'log') {
    box.innerHTML = '<h2></h2><p class="note">Logs Insights query: runs in AWS only (the emulator has no Logs Insights). Saved as a query definition by the stack.</p><pre class="note"></pre>';
    box.querySelector('h2').textContent = widget.title;
    box.querySelector('pre').textContent = widget.query;
  } else {
    box.innerHTML = '<p class="note"></p>';
    box.querySelector('p').textContent = widget.markdown.replace(/[*_#]/g, '');
  }
  main.appendChild(box);
});
async function refresh() {
  // Published whole, once every chart of this refresh is drawn.
  const points = {};
  await Promise.all(charts.map(async ({ index, chart, title }) => {
    const response = await fetch('/api/data?dashboard=' + encodeURIComponent(DASHBOARD) + '&widget=' + index + '&minutes=60');
    if (!response.ok) return;
    const series = await response.json();
    chart.data.datasets = series.map((s) => ({ label: s.label, pointRadius: 2, borderWidth: 1.5,
      data: s.timestamps.map((t, i) => ({ x: t, y: s.values[i] })) }));
    const now = Date.now();
    chart.options.scales.x.min = now - 3600 * 1000;
    chart.options.scales.x.max = now;
    chart.update();
    points[title] = series.reduce((sum, s) => sum + s.values.length, 0);
  }));
  window.dashboardState.points = points;
  window.dashboardState.refreshes += 1;
}
refresh();
setInterval(refresh, ${refreshSeconds * 1000});
</script></body></html>`;

/** Serves the dashboards; see the module comment. */
export const startDashboardServer = async (
  options: DashboardServerOptions,
): Promise<DashboardServer> => {
  const client = new CloudWatchClient(emulatorClientConfig(options.endpoint, options.region));
  const refreshSeconds = options.refreshSeconds ?? 5;
  const byName = new Map(options.dashboards.map((dashboard) => [dashboard.name, dashboard]));
  const names = options.dashboards.map((dashboard) => dashboard.name);

  const widgetData = async (
    dashboardName: string,
    index: number,
    minutes: number,
  ): Promise<SeriesPoint[]> => {
    const widget = byName.get(dashboardName)?.widgets[index];
    if (widget?.type !== 'metric') return [];
    // A minute per point locally, whatever the deployed period: a local run lasts minutes.
    const periodMs = 60_000;
    const to = Math.ceil(Date.now() / periodMs) * periodMs;
    const from = to - minutes * 60_000;
    const standard = widget.metrics
      .map((metric, id) => ({ metric, id }))
      .filter(({ metric }) => !PERCENTILE.test(metric.stat));
    const results = new Map<number, SeriesPoint>();
    if (standard.length > 0) {
      const { MetricDataResults = [] } = await client.send(
        new GetMetricDataCommand({
          StartTime: new Date(from),
          EndTime: new Date(to),
          MetricDataQueries: standard.map(({ metric, id }) => ({
            Id: `m${id}`,
            MetricStat: {
              Metric: {
                Namespace: metric.namespace,
                MetricName: metric.name,
                Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({
                  Name,
                  Value,
                })),
              },
              Period: periodMs / 1000,
              Stat: metric.stat,
            },
          })),
        }),
      );
      for (const result of MetricDataResults) {
        const id = Number(result.Id?.slice(1));
        const metric = widget.metrics[id];
        if (metric === undefined) continue;
        const pairs = (result.Timestamps ?? [])
          .map((timestamp, i) => [timestamp.getTime(), result.Values?.[i]] as const)
          .filter((pair): pair is readonly [number, number] => typeof pair[1] === 'number')
          .sort((a, b) => a[0] - b[0]);
        results.set(id, {
          label: metric.label,
          timestamps: pairs.map(([t]) => t),
          values: pairs.map(([, v]) => v),
        });
      }
    }
    widget.metrics.forEach((metric, id) => {
      const match = PERCENTILE.exec(metric.stat);
      if (!match) return;
      const series = options.cloudwatch.percentiles(
        { namespace: metric.namespace, name: metric.name, dimensions: metric.dimensions },
        Number(match[1]),
        from,
        to,
        periodMs,
      );
      results.set(id, { label: metric.label, ...series });
    });
    return widget.metrics.map(
      (metric, id) => results.get(id) ?? { label: metric.label, timestamps: [], values: [] },
    );
  };

  const chartJs = join(REPO_ROOT, 'node_modules', 'chart.js', 'dist', 'chart.umd.min.js');
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    const route = async () => {
      if (url.pathname === '/' && names[0] !== undefined) {
        response.writeHead(302, { location: `/dashboards/${encodeURIComponent(names[0])}` });
        response.end();
        return;
      }
      if (url.pathname === '/vendor/chart.umd.min.js') {
        send(200, 'text/javascript', await readFile(chartJs, 'utf8'));
        return;
      }
      if (url.pathname === '/api/dashboards') {
        send(200, 'application/json', JSON.stringify(options.dashboards));
        return;
      }
      if (url.pathname === '/api/data') {
        const minutes = Math.min(
          180,
          Math.max(1, Number(url.searchParams.get('minutes') ?? 60) || 60),
        );
        const data = await widgetData(
          url.searchParams.get('dashboard') ?? '',
          Number(url.searchParams.get('widget') ?? -1),
          minutes,
        );
        send(200, 'application/json', JSON.stringify(data));
        return;
      }
      const match = /^\/dashboards\/([^/]+)$/.exec(url.pathname);
      const dashboard =
        match?.[1] === undefined ? undefined : byName.get(decodeURIComponent(match[1]));
      if (dashboard) {
        send(200, 'text/html; charset=utf-8', page(dashboard, names, refreshSeconds));
        return;
      }
      send(404, 'text/plain', `No dashboard here. Dashboards: ${names.join(', ')}`);
    };
    route().catch((error: unknown) => send(500, 'text/plain', `Dashboard error: ${String(error)}`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    widgetData,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        client.destroy();
      }),
  };
};
