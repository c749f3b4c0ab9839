// Bundles the dashboard into dist/: one script, one stylesheet, one page; nothing from the network.
// Each file is written aside and renamed into place, so a server (or a test run) reading dist/
// while another build runs never sees a missing or half-written file.
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const here = import.meta.dirname;
const dist = path.join(here, "dist");
mkdirSync(dist, { recursive: true });
const put = (name, write) => {
  const tmp = path.join(dist, `.${name}.${process.pid}.tmp`);
  write(tmp);
  renameSync(tmp, path.join(dist, name));
};
const result = await build({
  entryPoints: [path.join(here, "src/main.ts")],
  outfile: path.join(dist, "app.js"),
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  sourcemap: "linked",
  logLevel: "warning",
  write: false,
});
for (const file of result.outputFiles) put(path.basename(file.path), (tmp) => writeFileSync(tmp, file.contents));
for (const file of ["style.css", "index.html"]) put(file, (tmp) => copyFileSync(path.join(here, "src", file), tmp));
