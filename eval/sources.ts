/** One real upstream bug fix that becomes an eval instance (see build-instances.ts). */
export interface FixSource {
  id: string;
  /** The upstream repository (its fetched mirror is `<mirrors>/<owner>+<name>/repo`). */
  repository: string;
  /** The upstream commit that fixed the bug; its parent is the instance's base. */
  fixCommit: string;
  license: string;
  runner: "pytest" | "unittest" | "node:test";
  /** Paths of the fix that belong to its regression test (they form the hidden test patch). */
  testPaths: string[];
  /** Paths of the fix left out of the gold patch (changelogs, version bumps). */
  excludePaths?: string[];
  /** Runs the hidden tests verbosely enough that passing tests are named. */
  test: string;
  /** What a user would report: the symptom, never the fix. */
  problemStatement: string;
}

/** The shipped instance set: five projects, three test runners. */
export const FIX_SOURCES: FixSource[] = [
  {
    id: "boltons-bytes2human-1024",
    repository: "https://github.com/mahmoud/boltons",
    fixCommit: "766b554",
    license: "BSD-3-Clause",
    runner: "pytest",
    testPaths: ["tests/test_strutils.py"],
    test: "python3 -m pytest -v -p no:cacheprovider tests/test_strutils.py",
    problemStatement:
      "boltons.strutils.bytes2human shows exact powers of 1024 in the smaller unit: bytes2human(1024) returns '1024B' " +
      "instead of '1K', and bytes2human(1048576) returns '1024K' instead of '1M'. An exact boundary should roll over " +
      "to the next unit (so 1024**3 is '1G', -1024 is '-1K', bytes2human(1024, 2) is '1.00K'); values below a " +
      "boundary, such as 1023 or 1024**2 - 1, must stay in the smaller unit.",
  },
  {
    id: "sqlparse-begin-transaction-split",
    repository: "https://github.com/andialbrecht/sqlparse",
    fixCommit: "5ca50a2",
    license: "BSD-3-Clause",
    runner: "pytest",
    testPaths: ["tests/test_split.py"],
    excludePaths: ["CHANGELOG"],
    test: "python3 -m pytest -v -p no:cacheprovider tests/test_split.py",
    problemStatement:
      "sqlparse.split() treats BEGIN TRANSACTION as the start of a BEGIN ... END block, so a script like\n\n" +
      "BEGIN TRANSACTION;\nDELETE FROM t USING t_tmp WHERE t.id = t_tmp.id;\nINSERT INTO t SELECT * FROM t_tmp;\n" +
      "END TRANSACTION;\n\ncomes back as one statement instead of four. The same happens when BEGIN and TRANSACTION " +
      "are on separate lines. BEGIN followed by TRANSACTION (or WORK, TRAN, DISTRIBUTED, DEFERRED, IMMEDIATE, " +
      "EXCLUSIVE) starts a transaction, not a block, and each statement should be split on its own.",
  },
  {
    id: "idna-encode-non-ascii-bytes",
    repository: "https://github.com/kjd/idna",
    fixCommit: "e00ed28",
    license: "BSD-3-Clause",
    runner: "unittest",
    testPaths: ["tests/test_idna.py"],
    test: "python3 -m unittest -v tests.test_idna",
    problemStatement:
      "idna.encode() given a byte string that is not ASCII, e.g. idna.encode(b'\\x0a\\x33\\x81'), raises a " +
      "UnicodeDecodeError. Callers catch idna.IDNAError for bad input; it should raise idna.IDNAError (telling the " +
      "caller to pass a unicode string rather than a byte string) instead.",
  },
  {
    id: "tomli-loads-type-error",
    repository: "https://github.com/hukkin/tomli",
    fixCommit: "4e245a4",
    license: "MIT",
    runner: "unittest",
    testPaths: ["tests/test_error.py"],
    excludePaths: ["CHANGELOG.md"],
    test: "PYTHONPATH=src python3 -m unittest -v tests.test_error",
    problemStatement:
      "tomli.loads() called with something that is not a str raises a confusing AttributeError (e.g. for False: " +
      "'bool' object has no attribute 'replace'). It should raise TypeError with the message " +
      "\"Expected str object, not '<type name>'\", e.g. \"Expected str object, not 'bytes'\" for tomli.loads(b'v = 1') " +
      "and \"Expected str object, not 'bool'\" for tomli.loads(False).",
  },
  {
    id: "nanoid-pool-break",
    repository: "https://github.com/ai/nanoid",
    fixCommit: "be7901a",
    license: "MIT",
    runner: "node:test",
    testPaths: ["test/index.test.js"],
    test: "node --test --test-reporter=spec test/index.test.js",
    problemStatement:
      "After a call of nanoid() with a size too large to allocate (nanoid(2147483648), which throws), every later " +
      "nanoid() call in the process returns the same id: the random pool is left broken. Later calls must keep " +
      "returning different ids.",
  },
];
