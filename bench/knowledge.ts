/**
 * Knowledge-base benchmark: retrieval quality on a labelled question set over pino's shipped
 * documentation (full-text alone and hybrid), ingest rate, and query latency as the chunk table
 * grows to 1k, 10k and 100k chunks. Hybrid uses the scripted server's deterministic stand-in
 * embeddings (a hashed bag of words), not a real embeddings model: its numbers say that fusion
 * and vector search work, not how good a real model would be.
 *
 *   npm run bench -- knowledge            (writes bench/results/knowledge-<timestamp>.json)
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { loadConfig } from "@patchbay/config";
import { KnowledgeBase, OpenAIEmbedder, type QueryMode, type SearchHit } from "@patchbay/knowledge";
import { startScriptedModelServer } from "@patchbay/testkit";
import pg from "pg";
import { type LabelledQuestion, QUESTIONS } from "./knowledge-questions.js";

const RUN = `bench-kb-${Date.now().toString(36)}`;
// `--quick`: only the 1k scale (for trying changes to ranking).
const SCALES = process.argv.includes("--quick") ? [1_000] : [1_000, 10_000, 100_000];
const K = 5;

interface Doc {
  path: string;
  content: string;
}

function loadCorpus(): { docs: Doc[]; version: string; root: string } {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve("pino/package.json"));
  const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
  const files = readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`);
  return {
    docs: [...files, "README.md"].map((path) => ({ path, content: readFileSync(join(root, path), "utf8") })),
    version,
    root,
  };
}

function rankOf(hits: SearchHit[], question: LabelledQuestion): number | null {
  const i = hits.findIndex((h) =>
    question.relevant.some(
      (r) => h.path === r.path && h.headingPath.join(" > ").toLowerCase().includes(r.heading.toLowerCase()),
    ),
  );
  return i < 0 ? null : i + 1;
}

async function quality(kb: KnowledgeBase, projectId: string, mode: QueryMode) {
  const misses: string[] = [];
  let found = 0;
  let reciprocal = 0;
  for (const question of QUESTIONS) {
    const { hits } = await kb.search(projectId, question.q, { k: K, mode });
    const rank = rankOf(hits, question);
    if (rank === null) misses.push(question.q);
    else {
      found++;
      reciprocal += 1 / rank;
    }
  }
  return { recallAt5: round(found / QUESTIONS.length), mrr: round(reciprocal / QUESTIONS.length), misses };
}

async function ingestCorpus(kb: KnowledgeBase, projectId: string, docs: Doc[]): Promise<number> {
  let chunks = 0;
  for (const doc of docs) {
    const r = await kb.ingest({ projectId, source: "upload", path: doc.path, content: doc.content });
    chunks += r.document.chunks;
  }
  return chunks;
}

async function newProject(pool: pg.Pool, suffix: string): Promise<string> {
  const id = `${RUN}-${suffix}`;
  await pool.query("INSERT INTO projects (id) VALUES ($1)", [id]);
  return id;
}

async function latency(
  kb: KnowledgeBase,
  projectId: string,
  rounds: number,
): Promise<{ p50: number; p90: number; n: number }> {
  const times: number[] = [];
  for (let r = 0; r <= rounds; r++) {
    for (const question of QUESTIONS) {
      const started = performance.now();
      await kb.search(projectId, question.q, { k: K });
      if (r > 0) times.push(performance.now() - started); // round 0 warms caches
    }
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => round(times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0, 2);
  return { p50: at(0.5), p90: at(0.9), n: times.length };
}

function round(x: number, digits = 3): number {
  return Number(x.toFixed(digits));
}

async function tableChunks(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM knowledge_chunks");
  return rows[0]?.n ?? 0;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const pool = new pg.Pool({ connectionString: config.DATABASE_URL, max: 4 });
  const server = await startScriptedModelServer();
  const { docs, version } = loadCorpus();
  const fulltext = new KnowledgeBase({ pool });
  const embedder = new OpenAIEmbedder({ model: "text-embedding-3-small", baseURL: server.url, apiKey: "stand-in" });
  const hybrid = new KnowledgeBase({ pool, embedder });
  try {
    await pool.query("DELETE FROM projects WHERE id LIKE 'bench-kb-%'");
    const ftProject = await newProject(pool, "ft");
    let started = performance.now();
    const corpusChunks = await ingestCorpus(fulltext, ftProject, docs);
    const ftIngestSec = (performance.now() - started) / 1000;
    const hyProject = await newProject(pool, "hy");
    started = performance.now();
    await ingestCorpus(hybrid, hyProject, docs);
    const hyIngestSec = (performance.now() - started) / 1000;
    await pool.query("ANALYZE knowledge_chunks");

    const results = {
      fulltextAny: await quality(fulltext, ftProject, "any"),
      fulltextAll: await quality(fulltext, ftProject, "all"),
      hybridStandIn: await quality(hybrid, hyProject, "any"),
    };

    const scales: Array<Record<string, unknown>> = [];
    let fill = 0;
    let fillChunks = 0;
    let fillSec = 0;
    for (const target of SCALES) {
      while ((await tableChunks(pool)) < target) {
        const id = await newProject(pool, `fill-${fill++}`);
        const t = performance.now();
        fillChunks += await ingestCorpus(fulltext, id, docs);
        fillSec += (performance.now() - t) / 1000;
      }
      await pool.query("ANALYZE knowledge_chunks");
      const chunks = await tableChunks(pool);
      const rounds = target >= 100_000 ? 3 : 2;
      const ft = await latency(fulltext, ftProject, rounds);
      const hy = await latency(hybrid, hyProject, rounds);
      scales.push({ targetChunks: target, tableChunks: chunks, projects: fill + 2, fulltextMs: ft, hybridMs: hy });
      console.log(
        `${chunks} chunks in the table: full-text p50 ${ft.p50} ms p90 ${ft.p90} ms; hybrid p50 ${hy.p50} ms p90 ${hy.p90} ms`,
      );
    }

    const report = {
      benchmark: "knowledge",
      at: new Date().toISOString(),
      corpus: {
        name: `pino@${version} docs/*.md + README.md (node_modules/pino)`,
        documents: docs.length,
        chunks: corpusChunks,
      },
      questions: QUESTIONS.length,
      k: K,
      embeddings:
        "hybrid runs use the scripted model server's deterministic stand-in (hashed bag of words, 256 dims), not a real embeddings model",
      quality: {
        fulltext: {
          recallAt5: results.fulltextAny.recallAt5,
          mrr: results.fulltextAny.mrr,
          query: "any word, ts_rank_cd",
          misses: results.fulltextAny.misses,
        },
        fulltextAllWords: {
          recallAt5: results.fulltextAll.recallAt5,
          mrr: results.fulltextAll.mrr,
          query: "websearch_to_tsquery (all words)",
        },
        hybridStandIn: {
          recallAt5: results.hybridStandIn.recallAt5,
          mrr: results.hybridStandIn.mrr,
          misses: results.hybridStandIn.misses,
        },
      },
      ingest: {
        fulltextChunksPerSec: round(corpusChunks / ftIngestSec, 1),
        hybridStandInChunksPerSec: round(corpusChunks / hyIngestSec, 1),
        bulkFillChunksPerSec: round(fillChunks / fillSec, 1),
        bulkFillChunks: fillChunks,
      },
      latency: {
        note: "one query = search of one project (the corpus, ~250 chunks) while the table holds the given total; other projects are copies of the corpus",
        scales,
      },
      targets: { p50MsAt100k: 50, recallAt5Fulltext: 0.8 },
      machine: {
        cpus: cpus().length,
        node: process.version,
        loadAverage1m: round(loadavg()[0] ?? 0, 2),
        note: "shared machine: other work ran at the same time",
      },
    };
    mkdirSync("bench/results", { recursive: true });
    const file = `bench/results/knowledge-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(
      `recall@5 full-text ${report.quality.fulltext.recallAt5} (MRR ${report.quality.fulltext.mrr}); all-words ${report.quality.fulltextAllWords.recallAt5}; hybrid with stand-in embeddings ${report.quality.hybridStandIn.recallAt5} (MRR ${report.quality.hybridStandIn.mrr})`,
    );
    console.log(
      `ingest ${report.ingest.fulltextChunksPerSec} chunks/s full-text, ${report.ingest.hybridStandInChunksPerSec} chunks/s with stand-in embeddings`,
    );
    console.log(`wrote ${file}`);
  } finally {
    await pool.query("DELETE FROM projects WHERE id LIKE $1", [`${RUN}-%`]);
    await pool.end();
    await server.close();
  }
}

await main();
