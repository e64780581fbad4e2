#!/bin/sh
# Run the browser tests of the label web app (label.test.mjs): playwright-core
# (npm, pinned by package-lock.json) driving Debian's chromium headless
# against a real `enclave serve` on loopback.
#
# Installs what is missing first: chromium through scripts/deps.sh (needs
# root or sudo), the npm packages with `npm ci` into NODE_DIR (default: the
# build's tests/browser-node, else this folder). Exits 77 (ctest: skipped),
# with the reason, only when chromium is not there and cannot be installed.
#
# Environment: ENCLAVE, TOOLS_DIR, TEST_TMP, ARTIFACTS (screenshots, logs),
# NODE_DIR, CHROMIUM (default /usr/bin/chromium), SRC_DIR.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=${SRC_DIR:-$(cd "$here/../.." && pwd)}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
NODE_DIR=${NODE_DIR:-$here}
export CHROMIUM NODE_DIR

if [ ! -x "$CHROMIUM" ]; then
	echo "browser: $CHROMIUM is missing: installing the test packages (scripts/deps.sh test)" >&2
	"$src/scripts/deps.sh" test >&2 || true
fi
if [ ! -x "$CHROMIUM" ]; then
	echo "browser: SKIPPED: chromium is not installed and scripts/deps.sh test could not install it (needs root or sudo and the Debian archive)" >&2
	exit 77
fi
for tool in node npm; do
	command -v "$tool" >/dev/null || { echo "browser: '$tool' is not installed (scripts/deps.sh test)" >&2; exit 1; }
done
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || { echo "browser: node $(node --version) is too old: playwright-core needs 20 or later" >&2; exit 1; }

# npm ci when node_modules is missing or the lock file changed since.
mkdir -p "$NODE_DIR"
if [ "$NODE_DIR" != "$here" ]; then
	cp "$here/package.json" "$here/package-lock.json" "$NODE_DIR/"
fi
stamp="$NODE_DIR/node_modules/.enclave-lock"
if [ ! -f "$NODE_DIR/node_modules/playwright-core/package.json" ] || ! cmp -s "$here/package-lock.json" "$stamp"; then
	echo "browser: npm ci in $NODE_DIR" >&2
	(cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error) >&2 ||
		{ echo "browser: npm ci failed in $NODE_DIR (is the npm registry reachable?)" >&2; exit 1; }
	cp "$here/package-lock.json" "$stamp"
fi

exec node "$here/label.test.mjs"
