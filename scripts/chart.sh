#!/usr/bin/env bash
# `make chart`: helm lint --strict, then helm template with the default values and with a production-like values
# file, into .chart/default.yaml and .chart/production.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/ensure-helm-java.sh
run() { java -cp '.chart/lib/*' scripts/helm-java/HelmChart.java "$@" 2> >(grep -v 'found symbolic link in path' >&2); }
run lint helm/percolator
run render helm/percolator percolator percolator .chart \
  default= production=helm/percolator/ci/production-values.yaml
