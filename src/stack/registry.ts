// Apicurio Registry, unpacked from its Maven Central distribution, keeping its schemas in the stack's own
// Postgres database.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { formatHostPort, type StackEndpoints } from './endpoints.js';
import { StackError } from './errors.js';
import type { JavaService } from './java-service.js';
import { findJava } from './java.js';
import { ensureFetched } from './maven.js';
import type { StackPaths } from './paths.js';
import { probeRegistry } from './probes.js';
import { processMarker } from './processes.js';
import { registryJvmArgs } from './registry-config.js';
import { chooseRegistryDatabase } from './registry-database.js';

export const REQUIRED_COMPATIBILITY = 'BACKWARD';

// 3.3.x classes are Java 21 bytecode (class file version 65).
const REGISTRY_JAVA = 21;

export function registryService(paths: StackPaths, endpoints: StackEndpoints): JavaService {
  const { registry } = paths;
  const marker = processMarker('registry', paths.dir);
  return {
    name: 'registry',
    label: 'Apicurio Registry',
    address: endpoints.registry,
    ports: [
      { address: endpoints.registry, role: 'schema registry API' },
      { address: endpoints.registryManagement, role: 'schema registry health' },
    ],
    pidFile: registry.pid,
    logFile: registry.log,
    marker,
    // The first start creates the registry's tables in Postgres; later starts take a few seconds.
    startTimeoutMs: 180_000,
    stopGraceMs: 20_000,
    probe: () => probeRegistry(endpoints.registryManagement, endpoints.registryApiUrl),
    // A ready registry's probe detail is its global compatibility. Anything but BACKWARD breaks the
    // Confluent client, so a registry started without the rule (by someone else) is not good enough.
    accept: (probe) => {
      if (probe.detail !== REQUIRED_COMPATIBILITY) {
        throw new StackError(
          `registry: ${formatHostPort(endpoints.registry)} answers, but its global compatibility is ` +
            `${probe.detail}, not ${REQUIRED_COMPATIBILITY}; it was not started by \`percolator stack\``,
        );
      }
      return `compatibility ${probe.detail}`;
    },
    prepare: async () => {
      const java = await findJava(REGISTRY_JAVA, 'Apicurio Registry 3.3');
      await ensureFetched({
        service: 'registry',
        pom: registry.pom,
        goal: 'unpack-dependencies',
        target: registry.app,
        complete: (dir) => existsSync(join(dir, 'quarkus-run.jar')),
        log: paths.mavenLog,
      });
      const args = registryJvmArgs({
        http: endpoints.registry,
        management: endpoints.registryManagement,
        postgres: endpoints.postgres,
        // Chosen, created in Postgres and recorded by `stack up` before any Java service starts.
        database: chooseRegistryDatabase(paths).name,
        marker,
      });
      return { command: java.command, args, cwd: registry.app, logFile: registry.log };
    },
  };
}
