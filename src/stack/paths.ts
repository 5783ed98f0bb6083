// Where the local stack keeps its downloads, generated configuration, data, logs and pid files.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Both dist/stack/paths.js and src/stack/paths.ts sit two levels below the package root, so the layout is
// the same whether the CLI runs from the build or a test imports the sources.
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface JavaServicePaths {
  /** The pom that lists what Maven fetches for this service (committed, under stack/). */
  pom: string;
  /** Everything the service owns under .stack/ (downloads, config, data). */
  home: string;
  log: string;
  pid: string;
}

export interface StackPaths {
  packageRoot: string;
  /** The git-ignored folder holding everything the stack creates. */
  dir: string;
  logsDir: string;
  runDir: string;
  mavenLog: string;
  aptLog: string;
  kafka: JavaServicePaths & {
    lib: string;
    data: string;
    serverProperties: string;
    log4jProperties: string;
  };
  /** `database`: the file naming the stack's own registry database (see registry-database.ts). */
  registry: JavaServicePaths & { app: string; database: string };
}

export function stackPaths(packageRoot: string = PACKAGE_ROOT): StackPaths {
  const dir = join(packageRoot, '.stack');
  const logsDir = join(dir, 'logs');
  const runDir = join(dir, 'run');
  const kafkaHome = join(dir, 'kafka');
  const registryHome = join(dir, 'apicurio');
  return {
    packageRoot,
    dir,
    logsDir,
    runDir,
    mavenLog: join(logsDir, 'maven.log'),
    aptLog: join(logsDir, 'apt.log'),
    kafka: {
      pom: join(packageRoot, 'stack', 'kafka', 'pom.xml'),
      home: kafkaHome,
      lib: join(kafkaHome, 'lib'),
      data: join(kafkaHome, 'data'),
      serverProperties: join(kafkaHome, 'server.properties'),
      log4jProperties: join(kafkaHome, 'log4j.properties'),
      log: join(logsDir, 'kafka.log'),
      pid: join(runDir, 'kafka.pid'),
    },
    registry: {
      pom: join(packageRoot, 'stack', 'apicurio', 'pom.xml'),
      home: registryHome,
      app: join(registryHome, 'app'),
      database: join(registryHome, 'database'),
      log: join(logsDir, 'apicurio.log'),
      pid: join(runDir, 'apicurio.pid'),
    },
  };
}
