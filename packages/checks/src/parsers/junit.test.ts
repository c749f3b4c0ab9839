import { describe, expect, it } from "vitest";
import { decodeEntities, parseJUnitXml } from "./junit.js";
import { fixture } from "./test-fixtures.js";

describe("parseJUnitXml", () => {
  it("reads pytest --junitxml output", () => {
    expect(parseJUnitXml(fixture("junit-pytest.xml"))).toEqual({
      format: "junit",
      counts: { passed: 2, failed: 3, skipped: 1 },
      failedTests: ["tests.test_funcs.test_two", "tests.test_funcs.test_uses_broken", "tests.test_funcs.test_param[2]"],
    });
  });

  it("reads a surefire report, ignoring markup inside CDATA", () => {
    expect(parseJUnitXml(fixture("junit-surefire.xml"))).toEqual({
      format: "junit",
      counts: { passed: 1, failed: 2, skipped: 1 },
      failedTests: ["com.example.calc.CalculatorTest.subtracts", "com.example.calc.CalculatorTest.divides"],
    });
  });

  it("decodes entities in names", () => {
    const xml = `<testsuite><testcase classname="a" name="x &lt; y &amp;&#x20;z"><failure/></testcase></testsuite>`;
    expect(parseJUnitXml(xml)?.failedTests).toEqual(["a.x < y & z"]);
    expect(decodeEntities("&#99999999;&bogus;")).toBe("&#99999999;&bogus;");
  });

  it("does not claim plain text", () => {
    expect(parseJUnitXml(fixture("pytest-q-fail.txt"))).toBeUndefined();
  });
});
