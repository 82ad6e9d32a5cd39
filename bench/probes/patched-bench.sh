# Sourced by the probes that try one change to the shipped rule without touching src/ (lift-probe.sh,
# percentile-probe.sh): compiles the bench into a scratch directory inside the repo (node_modules must resolve),
# removed on exit, and applies one sed expression to one compiled file.
#   patched_bench NAME FILE SED_EXPR MARKER   (sets $out; fails when MARKER is not in FILE afterwards)
patched_bench() {
  mkdir -p lib && out=$(mktemp -d "$PWD/lib/$1.XXXXXX")
  trap 'rm -rf "$out"' EXIT
  npx tsc -p tsconfig.bench.json --outDir "$out"
  sed -i "$3" "$out/$2"
  grep -q "$4" "$out/$2" || { echo "$1: the line to patch was not found in $2" >&2; exit 1; }
}
