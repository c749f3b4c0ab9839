import { type AgentFunctionTool, parseArguments } from "@patchbay/agent";
import { FINDING_PRIORITIES, type ReviewFinding, type ReviewReport, ReviewReportSchema } from "@patchbay/core";
import type { Sandbox } from "@patchbay/sandbox";

const FINDING_PROPERTIES = {
  file: { type: "string", description: "Path relative to the repository root." },
  startLine: { type: "integer", description: "First line of the problem on the head side (1-based)." },
  endLine: { type: "integer", description: "Last line of the problem on the head side." },
  priority: { type: "string", enum: [...FINDING_PRIORITIES] },
  title: { type: "string", description: "One line." },
  body: { type: "string", description: "Why it is wrong and how to fix it." },
  confidence: { type: "number", description: "0 to 1." },
};

/** The `report_findings` tool as the model sees it. */
const DEFINITION: AgentFunctionTool["definition"] = {
  type: "function",
  name: "report_findings",
  description:
    "Records your review: the verdict on the change, an explanation, and every finding with its file and head-side line range. Send the whole review in one call; a call that does not fit says what to fix.",
  parameters: {
    type: "object",
    properties: {
      verdict: { type: "string", enum: ["correct", "needs_changes"] },
      explanation: { type: "string" },
      findings: {
        type: "array",
        items: {
          type: "object",
          properties: FINDING_PROPERTIES,
          required: Object.keys(FINDING_PROPERTIES),
          additionalProperties: false,
        },
      },
    },
    required: ["verdict", "explanation", "findings"],
    additionalProperties: false,
  },
  strict: false,
};

/**
 * Collects a review job's report through `report_findings`: each call is validated (the schema,
 * then every finding's file and lines against the head commit) and a call that does not fit goes
 * back to the model as a tool error naming what to fix, so nothing broken is ever kept. The last
 * accepted report counts.
 */
export class ReviewCollector {
  private accepted: ReviewReport | null = null;

  constructor(
    private readonly sandbox: Sandbox,
    private readonly head: string,
  ) {}

  /** The tool to offer the model. */
  readonly tool: AgentFunctionTool = { definition: DEFINITION, run: (args) => this.receive(args) };

  /** The accepted report; null when the model never sent one that fit. */
  report(): ReviewReport | null {
    return this.accepted;
  }

  private async receive(argumentsText: string) {
    const refuse = (why: string) => ({
      output: `Could not record the review: ${why}. Send the whole review again with this fixed.`,
      ok: false,
      malformed: true,
    });
    const report = parseArguments(argumentsText, ReviewReportSchema);
    if (typeof report === "string") return refuse(report);
    const problems = await this.headProblems(report.findings);
    if (problems.length > 0) return refuse(problems.join("; "));
    this.accepted = report;
    const { verdict, findings } = report;
    return {
      output: `Review recorded: ${verdict}, ${findings.length} finding(s). Now finish with a short summary.`,
      ok: true,
    };
  }

  /** Findings whose file is not in the head commit or whose lines run past its end. */
  private async headProblems(findings: ReviewFinding[]): Promise<string[]> {
    const problems: string[] = [];
    const lineCounts = new Map<string, number | null>();
    for (const [i, finding] of findings.entries()) {
      if (!lineCounts.has(finding.file)) lineCounts.set(finding.file, await this.linesAtHead(finding.file));
      const lines = lineCounts.get(finding.file) ?? null;
      if (lines === null) problems.push(`findings[${i}].file: ${finding.file} is not a file of the head commit`);
      else if (finding.endLine > lines)
        problems.push(`findings[${i}].endLine: ${finding.file} has ${lines} lines at the head, not ${finding.endLine}`);
    }
    return problems;
  }

  private async linesAtHead(file: string): Promise<number | null> {
    const run = await this.sandbox.exec(
      'set -o pipefail; [ "$(git cat-file -t "$HEAD_COMMIT:$FILE" 2>/dev/null)" = blob ] && git cat-file -p "$HEAD_COMMIT:$FILE" | awk \'END { print NR }\'',
      { timeoutMs: 30_000, env: { HEAD_COMMIT: this.head, FILE: file } },
    );
    const lines = Number(run.stdout.trim());
    return run.exitCode === 0 && Number.isInteger(lines) ? lines : null;
  }
}
