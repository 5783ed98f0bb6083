// The Helm chart (helm/percolator) rendered by Helm itself, through helm-java (scripts/helm-java), with the default
// values, the production-like values of helm/percolator/ci and a set of wrong values that must be refused.
// helm-java leaves hook objects out, as `helm template --no-hooks` does: the migrations Job, ConfigMap and Secret
// are not in the rendered output, so what is checked of them is what the workloads say about them.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { agentTypes } from '../../src/agents/catalog.js';
import { configVariables } from '../../src/config/config.js';
import { ROLES } from '../../src/engine.js';
import { loadTopicSpecs } from '../../src/kafka/topic-specs.js';

const ROOT = join(import.meta.dirname, '../..');
const CHART = join(ROOT, 'helm/percolator');
const WORKLOAD_ROLES = ['api', 'orchestrator', 'history', 'scheduler', 'triggers', 'agents'];

/** Every case rendered in one JVM: NAME → `values file;key=value;...` (the HelmChart.java argument format). */
const CASES: Record<string, string> = {
  default: '',
  production: join(CHART, 'ci/production-values.yaml'),
  'no-triggers': ';roles.triggers.enabled=false',
  'negative-replicas': ';roles.orchestrator.replicas=-1',
  'unknown-setting': ';config.KAFKA_BROKER=kafka:9092',
  'short-jwt-secret': ';secret.values.JWT_SECRET=too-short',
  'no-database-url': ';secret.values.DATABASE_URL=',
  'inverted-hpa': ';roles.api.autoscaling.minReplicas=8;roles.api.autoscaling.maxReplicas=4',
  'bad-pull-policy': ';image.pullPolicy=Sometimes',
};

interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  data?: Record<string, string>;
}

let out: string;
const rendered = new Map<string, Manifest[]>();
const errors = new Map<string, string>();

beforeAll(() => {
  // The jars come from Maven through a script of the repo, so a fresh machine gets them here.
  execFileSync(join(ROOT, 'scripts/ensure-helm-java.sh'), { cwd: ROOT, stdio: 'inherit' });
  out = mkdtempSync(join(tmpdir(), 'percolator-chart-'));
  const run = spawnSync(
    'java',
    [
      '-cp',
      join(ROOT, '.chart/lib/*'),
      join(ROOT, 'scripts/helm-java/HelmChart.java'),
      'render',
      CHART,
      'percolator',
      'percolator',
      out,
      ...Object.entries(CASES).map(([name, spec]) => `${name}=${spec}`),
    ],
    { encoding: 'utf8', timeout: 540_000 },
  );
  if (run.error) throw new Error(`cannot run java for helm-java: ${run.error.message}`);
  for (const file of readdirSync(out)) {
    const text = readFileSync(join(out, file), 'utf8');
    const name = file.replace(/\.(yaml|error)$/, '');
    if (file.endsWith('.error')) errors.set(name, text);
    else
      rendered.set(
        name,
        parseAllDocuments(text)
          .map((document) => document.toJS() as Manifest | null)
          .filter((manifest): manifest is Manifest => manifest !== null),
      );
  }
  if (!rendered.has('default')) {
    throw new Error(`helm-java rendered nothing: ${errors.get('default') ?? run.stderr}`);
  }
}, 600_000);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

function manifests(name: string): Manifest[] {
  const found = rendered.get(name);
  if (!found) throw new Error(`case ${name} did not render: ${errors.get(name)}`);
  return found;
}

function find(name: string, kind: string, objectName: string): Manifest {
  const manifest = manifests(name).find((m) => m.kind === kind && m.metadata.name === objectName);
  if (!manifest) throw new Error(`${kind}/${objectName} is not in the ${name} render`);
  return manifest;
}

const container = (deployment: Manifest) => deployment.spec.template.spec.containers[0];

describe('helm/percolator rendered with the default values', () => {
  it('has one Deployment per role, named percolator-<role>, running a real command', () => {
    const deployments = manifests('default').filter((m) => m.kind === 'Deployment');
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
      WORKLOAD_ROLES.map((role) => `percolator-${role}`).sort(),
    );
    for (const role of WORKLOAD_ROLES.filter((r) => r !== 'agents')) {
      const args = container(find('default', 'Deployment', `percolator-${role}`)).args as string[];
      expect(args).toEqual(['serve', '--role', role]);
      expect(ROLES).toContain(role);
    }
    expect(container(find('default', 'Deployment', 'percolator-agents')).args).toEqual([
      'agents',
      'run',
      '--probe-port',
      '8080',
    ]);
  });

  it('probes /health and /ready on the port the engine listens on', () => {
    for (const role of WORKLOAD_ROLES) {
      const c = container(find('default', 'Deployment', `percolator-${role}`));
      expect(c.ports).toEqual([{ name: 'http', containerPort: 8080 }]);
      expect(c.env).toContainEqual({ name: 'PORT', value: '8080' });
      expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
      expect(c.startupProbe.httpGet).toEqual({ path: '/health', port: 'http' });
      // Start-up migrates and creates topics before the port opens: minutes, not seconds.
      expect(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold).toBeGreaterThanOrEqual(120);
      expect(c.resources.requests.cpu).toBeTruthy();
      expect(c.resources.limits.memory).toBeTruthy();
    }
  });

  it('takes settings from the ConfigMap and credentials from the Secret', () => {
    for (const role of WORKLOAD_ROLES) {
      expect(container(find('default', 'Deployment', `percolator-${role}`)).envFrom).toEqual([
        { configMapRef: { name: 'percolator-config' } },
        { secretRef: { name: 'percolator-secret' } },
      ]);
    }
  });

  it('gives fixed replicas to every role but the API, which the HPA scales on CPU', () => {
    const replicas = Object.fromEntries(
      WORKLOAD_ROLES.map((role) => [
        role,
        find('default', 'Deployment', `percolator-${role}`).spec.replicas as number | undefined,
      ]),
    );
    expect(replicas).toEqual({
      api: undefined,
      orchestrator: 3,
      history: 2,
      scheduler: 2,
      triggers: 2,
      agents: 2,
    });
    const hpa = find('default', 'HorizontalPodAutoscaler', 'percolator-api');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'percolator-api',
    });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 6]);
    expect(hpa.spec.metrics[0].resource).toEqual({
      name: 'cpu',
      target: { type: 'Utilization', averageUtilization: 70 },
    });
    expect(manifests('default').filter((m) => m.kind === 'ScaledObject')).toEqual([]);
  });

  it('has a PodDisruptionBudget per role selecting that role only', () => {
    for (const role of WORKLOAD_ROLES) {
      const pdb = find('default', 'PodDisruptionBudget', `percolator-${role}`);
      const deployment = find('default', 'Deployment', `percolator-${role}`);
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
      expect(pdb.spec.selector.matchLabels['app.kubernetes.io/component']).toBe(role);
    }
  });

  it("knows the partition counts of topics/*.yaml, which cap KEDA's replicas", () => {
    const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
    const topics = loadTopicSpecs({ prefix: 'percolator' });
    const orchestratorInput = topics.find((t) => t.orchestratorInput)!;
    const agentCommands = topics.find((t) => t.id === 'agent-commands')!;
    expect(values.kafka).toEqual({
      orchestratorPartitions: orchestratorInput.partitions,
      agentCommandPartitions: agentCommands.partitions,
    });
  });

  it('drops a disabled role entirely', () => {
    const names = manifests('no-triggers').map((m) => `${m.kind}/${m.metadata.name}`);
    expect(names.filter((n) => n.endsWith('percolator-triggers'))).toEqual([]);
    expect(names).toContain('Deployment/percolator-orchestrator');
  });
});

describe('helm/percolator rendered with ci/production-values.yaml', () => {
  it('reads credentials from the existing Secret it names', () => {
    for (const role of WORKLOAD_ROLES) {
      const deployment = find('production', 'Deployment', `percolator-${role}`);
      expect(container(deployment).envFrom).toContainEqual({ secretRef: { name: 'percolator-credentials' } });
      expect(container(deployment).image).toBe('registry.example.com/percolator:0.1.0');
    }
  });

  it('lets KEDA scale the orchestrator and the agents on lag, never past the partition count', () => {
    const orchestrator = find('production', 'ScaledObject', 'percolator-orchestrator');
    expect(orchestrator.spec.scaleTargetRef).toEqual({ name: 'percolator-orchestrator' });
    // Asked for 48, capped at the 24 partitions of the orchestrator input topics.
    expect([orchestrator.spec.minReplicaCount, orchestrator.spec.maxReplicaCount]).toEqual([3, 24]);
    expect(orchestrator.spec.triggers).toEqual([
      {
        type: 'kafka',
        metadata: {
          bootstrapServers: 'kafka-0.kafka:9092,kafka-1.kafka:9092,kafka-2.kafka:9092',
          consumerGroup: 'prod.orchestrator',
          lagThreshold: '1000',
          offsetResetPolicy: 'earliest',
        },
      },
    ]);
    expect(find('production', 'Deployment', 'percolator-orchestrator').spec.replicas).toBeUndefined();

    const agents = find('production', 'ScaledObject', 'percolator-agents');
    expect([agents.spec.minReplicaCount, agents.spec.maxReplicaCount]).toEqual([2, 16]);
    expect(
      agents.spec.triggers.map((t: { metadata: Record<string, string> }) => [
        t.metadata.consumerGroup,
        t.metadata.topic,
      ]),
    ).toEqual([
      ['prod.agent.social-media-content', 'prod.agent.social-media-content.commands'],
      ['prod.agent.feedback-analyst', 'prod.agent.feedback-analyst.commands'],
    ]);
    const args = container(find('production', 'Deployment', 'percolator-agents')).args as string[];
    expect(args).toEqual([
      'agents',
      'run',
      'social-media-content',
      'feedback-analyst',
      '--concurrency',
      '8',
      '--probe-port',
      '8080',
    ]);
    for (const type of args.slice(2, 4)) expect(agentTypes()).toContain(type);

    const hpa = find('production', 'HorizontalPodAutoscaler', 'percolator-api');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 12]);
  });

  it('scrapes every role and carries the alerts and dashboards of deploy/', () => {
    const monitor = find('production', 'ServiceMonitor', 'percolator');
    expect(monitor.spec.jobLabel).toBe('percolator.io/job');
    expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '30s' }]);
    for (const role of WORKLOAD_ROLES) {
      const service = find('production', 'Service', `percolator-${role}`);
      expect(service.metadata.labels!['percolator.io/job']).toBe(
        role === 'agents' ? 'percolator-agents' : 'percolator-engine',
      );
    }
    const rule = find('production', 'PrometheusRule', 'percolator');
    const source = parse(readFileSync(join(ROOT, 'deploy/prometheus/rules/percolator.rules.yml'), 'utf8'));
    expect(rule.spec).toEqual(source);

    const dashboards = find('production', 'ConfigMap', 'percolator-dashboards');
    expect(dashboards.metadata.labels!.grafana_dashboard).toBe('1');
    const files = readdirSync(join(ROOT, 'deploy/grafana/dashboards')).sort();
    expect(Object.keys(dashboards.data!).sort()).toEqual(files);
    for (const file of files) {
      expect(dashboards.data![file]).toBe(
        readFileSync(join(ROOT, 'deploy/grafana/dashboards', file), 'utf8'),
      );
    }
  });

  it('admits callers to the API only from the ingress namespace, and only Prometheus to the rest', () => {
    const api = find('production', 'NetworkPolicy', 'percolator-api');
    expect(api.spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
    ]);
    const workers = find('production', 'NetworkPolicy', 'percolator-workers');
    expect(workers.spec.podSelector.matchExpressions).toEqual([
      { key: 'app.kubernetes.io/component', operator: 'NotIn', values: ['api'] },
    ]);
    expect(workers.spec.ingress).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ port: 'http' }],
      },
    ]);
  });
});

describe('helm/percolator refuses wrong values with a message', () => {
  it.each([
    ['negative-replicas', /roles\.orchestrator\.replicas|orchestrator.*replicas/],
    ['unknown-setting', /KAFKA_BROKER/],
    ['short-jwt-secret', /JWT_SECRET/],
    ['no-database-url', /secret\.values\.DATABASE_URL is required/],
    ['inverted-hpa', /minReplicas \(8\) is greater than maxReplicas \(4\)/],
    ['bad-pull-policy', /pullPolicy/],
  ])('%s', (name, message) => {
    expect(rendered.has(name)).toBe(false);
    expect(errors.get(name)).toMatch(message);
  });

  it('accepts as settings only variables the engine reads', () => {
    const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8'));
    const known = configVariables();
    for (const name of [
      ...schema.properties.config.propertyNames.enum,
      ...schema.properties.secret.properties.values.propertyNames.enum,
    ]) {
      expect(known).toContain(name);
    }
    expect(known).toContain('JWT_SECRET');
  });
});
