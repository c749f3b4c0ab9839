#!/usr/bin/env bash
# Regenerates src/parsers/fixtures/corpus/: the real output of real test runners on one small
# suite each (several passing tests, one skipped, exactly one failing test whose name has spaces),
# for the parser tests. Runners are installed on the host from the configured npm registry and
# the local pip index into a temp folder, then run in the sandbox image with no network, as
# checks run in a job (CI=true NO_COLOR=1, user 1000).
#
# Usage: packages/checks/scripts/make-runner-corpus.sh   (needs docker and the sandbox image)
# Env:   CORPUS_IMAGE (default patchbay/sandbox:1), CORPUS_WORK (keep the installs in this folder)
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="$HERE/../src/parsers/fixtures/corpus"
IMAGE="${CORPUS_IMAGE:-patchbay/sandbox:1}"
WORK="${CORPUS_WORK:-$(mktemp -d)}"
[ -n "${CORPUS_WORK:-}" ] || trap 'rm -rf "$WORK"' EXIT

# Pinned so that a re-run reproduces the corpus; bump on purpose and review the diff.
NODE_PACKAGES=(mocha@12.0.3 tape@5.10.2 ava@7.0.0 jest@30.5.2 vitest@4.1.12 tap@21.8.0)
PYTEST_VERSION=9.1.1

# name | suite folder | command (run inside the suite folder) | runner shown in the README
CASES=(
  "mocha-spec|mocha|npx mocha|mocha (spec reporter)"
  "mocha-tap|mocha|npx mocha --reporter tap|mocha (tap reporter)"
  "tape|tape|node test.js|tape"
  "ava|ava|npx ava|ava"
  "ava-tap|ava|npx ava --tap|ava (--tap)"
  "jest|jest|npx jest|jest"
  "vitest|vitest|npx vitest run|vitest"
  "node-test-spec|node-test|node --test --test-reporter=spec|node:test (spec reporter)"
  "node-test-tap|node-test|node --test --test-reporter=tap|node:test (tap reporter)"
  "node-tap|node-tap|npx tap --disable-coverage|tap (default reporter)"
  "node-tap-tap|node-tap|npx tap --disable-coverage --reporter=tap|tap (tap reporter)"
  "pytest-q|pytest|python3 -m pytest -q|pytest (-q)"
  "pytest-v|pytest|python3 -m pytest -v|pytest (-v)"
  "unittest|unittest|python3 -m unittest discover -s tests -v|unittest (-v)"
)

install_runners() {
  if [ ! -d "$WORK/node/node_modules" ]; then
    mkdir -p "$WORK/node"
    echo '{"name":"runner-corpus","private":true}' >"$WORK/node/package.json"
    npm install --prefix "$WORK/node" --no-audit --no-fund --ignore-scripts "${NODE_PACKAGES[@]}"
  fi
  [ -d "$WORK/py/pytest" ] || python3 -m pip install --quiet --target "$WORK/py" "pytest==$PYTEST_VERSION"
}

write_suites() {
  local s="$WORK/suites"
  rm -rf "$s" && mkdir -p "$s"
  mkdir -p "$s/mocha/test" "$s/tape" "$s/ava/test" "$s/jest/test" "$s/vitest/test" "$s/node-test/test" \
    "$s/node-tap/test" "$s/pytest/tests" "$s/unittest/tests"
  cat >"$s/mocha/test/parser.test.js" <<'EOF'
const assert = require("node:assert");
const parseName = (name) => name.trim();
describe("math", () => {
  it("adds two numbers", () => assert.strictEqual(1 + 1, 2));
  it("multiplies two numbers", () => assert.strictEqual(2 * 3, 6));
});
describe("parser", () => {
  it("accepts a plain name", () => assert.strictEqual(parseName(" ab "), "ab"));
  it("rejects an empty name", () => assert.strictEqual(parseName(""), null));
  it.skip("talks to the network", () => {});
});
EOF
  cat >"$s/tape/test.js" <<'EOF'
const test = require("tape");
const parseName = (name) => name.trim();
test("adds two numbers", (t) => { t.equal(1 + 1, 2); t.end(); });
test("multiplies two numbers", (t) => { t.equal(2 * 3, 6); t.end(); });
test("parser accepts a plain name", (t) => { t.equal(parseName(" ab "), "ab"); t.end(); });
test("parser rejects an empty name", (t) => { t.equal(parseName(""), null); t.end(); });
test("talks to the network", { skip: true }, (t) => { t.end(); });
EOF
  echo '{"type":"module"}' >"$s/ava/package.json"
  cat >"$s/ava/test/parser.test.js" <<'EOF'
import test from "ava";
const parseName = (name) => name.trim();
test("adds two numbers", (t) => t.is(1 + 1, 2));
test("multiplies two numbers", (t) => t.is(2 * 3, 6));
test("parser accepts a plain name", (t) => t.is(parseName(" ab "), "ab"));
test("parser rejects an empty name", (t) => t.is(parseName(""), null));
test.skip("talks to the network", (t) => t.pass());
EOF
  echo '{}' >"$s/jest/package.json"
  jest_like "$s/jest/test/parser.test.js" ""
  echo '{"type":"module"}' >"$s/vitest/package.json"
  jest_like "$s/vitest/test/parser.test.js" 'import { describe, expect, it } from "vitest";'
  cat >"$s/node-test/test/parser.test.js" <<'EOF'
const assert = require("node:assert");
const { describe, it } = require("node:test");
const parseName = (name) => name.trim();
describe("math", () => {
  it("adds two numbers", () => assert.strictEqual(1 + 1, 2));
  it("multiplies two numbers", () => assert.strictEqual(2 * 3, 6));
});
describe("parser", () => {
  it("accepts a plain name", () => assert.strictEqual(parseName(" ab "), "ab"));
  it("rejects an empty name", () => assert.strictEqual(parseName(""), null));
  it.skip("talks to the network", () => {});
});
EOF
  echo '{}' >"$s/node-tap/package.json"
  cat >"$s/node-tap/test/parser.test.js" <<'EOF'
const t = require("tap");
const parseName = (name) => name.trim();
t.test("math", async (t) => {
  t.test("adds two numbers", async (t) => t.equal(1 + 1, 2));
  t.test("multiplies two numbers", async (t) => t.equal(2 * 3, 6));
});
t.test("parser", async (t) => {
  t.test("accepts a plain name", async (t) => t.equal(parseName(" ab "), "ab"));
  t.test("rejects an empty name", async (t) => t.equal(parseName(""), null));
  t.test("talks to the network", { skip: true }, async () => {});
});
EOF
  cat >"$s/pytest/tests/test_parser.py" <<'EOF'
import pytest


def parse_name(name):
    return name.strip()


def test_adds_two_numbers():
    assert 1 + 1 == 2


def test_multiplies_two_numbers():
    assert 2 * 3 == 6


class TestParser:
    @pytest.mark.parametrize("raw, expected", [(" ab ", "ab"), ("", None)], ids=["a plain name", "an empty name"])
    def test_parse_name(self, raw, expected):
        assert parse_name(raw) == expected

    @pytest.mark.skip(reason="needs the network")
    def test_talks_to_the_network(self):
        pass
EOF
  cat >"$s/unittest/tests/test_parser.py" <<'EOF'
import unittest


def parse_name(name):
    return name.strip()


class TestMath(unittest.TestCase):
    def test_adds_two_numbers(self):
        self.assertEqual(1 + 1, 2)

    def test_multiplies_two_numbers(self):
        self.assertEqual(2 * 3, 6)


class TestParser(unittest.TestCase):
    def test_accepts_a_plain_name(self):
        self.assertEqual(parse_name(" ab "), "ab")

    def test_rejects_an_empty_name(self):
        with self.subTest("an empty name"):
            self.assertIsNone(parse_name(""))

    @unittest.skip("needs the network")
    def test_talks_to_the_network(self):
        pass
EOF
}

# jest and vitest share one suite; vitest needs its imports.
jest_like() {
  cat >"$1" <<EOF
$2
const parseName = (name) => name.trim();
describe("math", () => {
  it("adds two numbers", () => expect(1 + 1).toBe(2));
  it("multiplies two numbers", () => expect(2 * 3).toBe(6));
});
describe("parser", () => {
  it("accepts a plain name", () => expect(parseName(" ab ")).toBe("ab"));
  it("rejects an empty name", () => expect(parseName("")).toBe(null));
  it.skip("talks to the network", () => {});
});
EOF
}

# Runs every case inside one container: node_modules is copied into the container's tmpfs once.
write_inner() {
  {
    echo 'set -u'
    echo 'cp -a /w/node/node_modules /tmp/node_modules'
    for entry in "${CASES[@]}"; do
      IFS='|' read -r name suite command _ <<<"$entry"
      echo "rm -rf /tmp/run && cp -a /w/suites/$suite /tmp/run && ln -s /tmp/node_modules /tmp/run/node_modules"
      echo "(cd /tmp/run && $command) >/out/$name.txt 2>&1; echo \$? >/out/$name.exit"
    done
  } >"$WORK/inner.sh"
}

run_cases() {
  rm -rf "$WORK/out" && mkdir -p "$WORK/out" && chmod 777 "$WORK/out"
  docker run --rm --network none --label patchbay.corpus=1 \
    -e CI=true -e NO_COLOR=1 -e PYTHONPATH=/w/py -e HOME=/tmp \
    --tmpfs /tmp:rw,exec,size=1g -v "$WORK:/w:ro" -v "$WORK/out:/out" \
    "$IMAGE" bash /w/inner.sh
}

version_of() {
  case "$1" in
    mocha-*) node -p "require('$WORK/node/node_modules/mocha/package.json').version" ;;
    ava*) node -p "require('$WORK/node/node_modules/ava/package.json').version" ;;
    node-tap*) node -p "require('$WORK/node/node_modules/tap/package.json').version" ;;
    tape | jest | vitest) node -p "require('$WORK/node/node_modules/$1/package.json').version" ;;
    node-test-*) docker run --rm --network none "$IMAGE" node --version ;;
    pytest-*) echo "$PYTEST_VERSION (Python $(docker run --rm --network none "$IMAGE" python3 -c 'import platform; print(platform.python_version())'))" ;;
    unittest) docker run --rm --network none "$IMAGE" python3 -c 'import platform; print("Python " + platform.python_version())' ;;
  esac
}

write_readme() {
  {
    echo "# Runner corpus"
    echo
    echo "Real output of real test runners, written by \`packages/checks/scripts/make-runner-corpus.sh\`"
    echo "(re-run it to refresh; it overwrites this folder). Each suite has several passing tests, one"
    echo "skipped test and exactly one failing test whose name has spaces (\"rejects an empty name\","
    echo "for Python \"an empty name\"). The runners were installed on the host and run in the sandbox"
    echo "image \`$IMAGE\` with no network, in the suite's folder, with \`CI=true NO_COLOR=1\` as checks"
    echo "run them. \`corpus.test.ts\` asserts each file's counts and the failing test's exact name."
    echo
    echo "| file | runner | version | command | exit |"
    echo "| --- | --- | --- | --- | --- |"
    for entry in "${CASES[@]}"; do
      IFS='|' read -r name _ command runner <<<"$entry"
      echo "| \`$name.txt\` | $runner | $(version_of "$name") | \`$command\` | $(cat "$WORK/out/$name.exit") |"
    done
  } >"$OUT/README.md"
}

install_runners
write_suites
write_inner
run_cases
rm -rf "$OUT" && mkdir -p "$OUT"
for entry in "${CASES[@]}"; do
  IFS='|' read -r name _ <<<"$entry"
  cp "$WORK/out/$name.txt" "$OUT/$name.txt"
done
write_readme
echo "corpus written to $OUT"
