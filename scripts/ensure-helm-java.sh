#!/usr/bin/env bash
# Puts helm-java 0.0.15 (Helm's own Go code, run from the JVM) and its dependencies in .chart/lib, once. No helm
# binary can be installed here; `make chart` and tests/integration/helm-chart.test.ts run Helm through these jars.
set -euo pipefail
cd "$(dirname "$0")/.."
lib=.chart/lib
if [[ -f $lib/helm-java-0.0.15.jar && -f $lib/linux-amd64-0.0.15.jar ]]; then exit 0; fi
command -v java >/dev/null || { echo "ensure-helm-java: java is not installed (a JDK 17 is needed)" >&2; exit 1; }
command -v mvn >/dev/null || { echo "ensure-helm-java: mvn is not installed (Apache Maven fetches helm-java)" >&2; exit 1; }
mkdir -p "$lib"
mvn -q -B -Dstyle.color=never -f scripts/helm-java/pom.xml dependency:copy-dependencies -DoutputDirectory="$PWD/$lib"
echo "helm-java: $(ls "$lib" | tr '\n' ' ')"
