import { call, type Job } from "../api.js";
import { errorCard, h, replace } from "../dom.js";
import { highlightLine, languageOf } from "../highlight.js";

/** One file of a unified diff. */
export interface DiffFile {
  path: string;
  lines: string[];
  insertions: number;
  deletions: number;
}

/** Splits a `git diff` into files at each `diff --git` header. */
export function parseDiff(text: string): DiffFile[] {
  const files: DiffFile[] = [];
  let file: DiffFile | null = null;
  for (const line of text.split("\n")) {
    const header = /^diff --git a\/(.*) b\/(.*)$/.exec(line);
    if (header) {
      file = { path: header[2]!, lines: [], insertions: 0, deletions: 0 };
      files.push(file);
    }
    if (!file) continue;
    file.lines.push(line);
    if (line.startsWith("+") && !line.startsWith("+++")) file.insertions++;
    if (line.startsWith("-") && !line.startsWith("---")) file.deletions++;
  }
  return files;
}

function lineClass(line: string): string | null {
  if (line.startsWith("@@")) return "hunk";
  if (/^(diff --git|index |--- |\+\+\+ |new file|deleted file|similarity|rename )/.test(line)) return "hunk";
  if (line.startsWith("+")) return "add";
  if (line.startsWith("-")) return "del";
  return null;
}

/** One diff line: the +/- marker plain, the code after it coloured by the file's language. */
function lineView(line: string, lang: ReturnType<typeof languageOf>): HTMLElement {
  const cls = lineClass(line);
  if (!lang || cls === "hunk" || line === "") return h("div", { class: cls }, line || " ");
  const row = h("div", { class: cls }, line[0]!);
  for (const [text, tok] of highlightLine(line.slice(1), lang)) {
    row.append(tok ? h("span", { class: `tok-${tok}` }, text) : text);
  }
  return row;
}

function download(text: string, name: string, label: string, id?: string): HTMLAnchorElement {
  const link = h("a", { class: "button", id: id ?? null, download: name }, label);
  link.href = URL.createObjectURL(new Blob([text], { type: "text/x-diff" }));
  return link;
}

function fileView(file: DiffFile, job: Job, command: string): HTMLElement {
  const lang = languageOf(file.path);
  const only = `${command} --include='${file.path.replaceAll("'", "'\\''")}'`;
  const base = file.path.split("/").at(-1) ?? "file";
  return h(
    "details",
    { class: "diff-file", open: true, "data-file": file.path },
    h(
      "summary",
      {},
      `${file.path} `,
      h("span", { class: "add-n" }, `+${file.insertions}`),
      " ",
      h("span", { class: "del-n" }, `−${file.deletions}`),
    ),
    h(
      "div",
      { class: "toolbar file-actions" },
      copyButton(only, "Copy git apply for this file"),
      download(
        `${file.lines.join("\n")}\n`,
        `patchbay-${job.id.slice(0, 8)}-${base}.diff`,
        "Download this file's diff",
      ),
    ),
    h("div", { class: "diff" }, ...file.lines.map((l) => lineView(l, lang))),
  );
}

function copyButton(text: string, label = "Copy"): HTMLElement {
  const button = h("button", { type: "button", class: "copy", title: text }, label);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch {
      button.textContent = "Select the command and copy it";
    }
  });
  return button;
}

/** The job's patch per file, with a `git apply` command to copy and a download link. */
export async function diffSection(el: HTMLElement, job: Job): Promise<void> {
  replace(el, h("p", { class: "muted" }, "Loading the patch…"));
  let text: string;
  try {
    text = await (await call(`/v1/jobs/${job.id}/patch`)).text();
  } catch (err) {
    replace(el, errorCard(`No patch: ${(err as Error).message}`));
    return;
  }
  const files = parseDiff(text);
  if (files.length === 0) {
    replace(el, h("div", { class: "card", id: "no-changes" }, "The job changed no files."));
    return;
  }
  const url = `${location.origin}/v1/jobs/${job.id}/patch`;
  const command = `curl -fsS -H "Authorization: Bearer $PATCHBAY_API_KEY" ${url} | git apply`;
  const whole = download(text, `patchbay-${job.id}.diff`, "Download .diff", "download-patch");
  replace(
    el,
    h(
      "div",
      { class: "card" },
      h("p", {}, `Apply it in a checkout at ${job.result?.baseCommit?.slice(0, 12) ?? "the base commit"}:`),
      h("code", { class: "cmd", id: "apply-command" }, command),
      h(
        "p",
        { class: "toolbar" },
        copyButton(command),
        whole,
        h("span", { class: "muted" }, `or npx patchbay apply ${job.id}`),
      ),
    ),
    ...files.map((f) => fileView(f, job, command)),
  );
}
