/**
 * Labelled questions over pino's own documentation (node_modules/pino/docs/*.md and README.md,
 * shipped with pino, which the API and worker depend on). A hit is relevant when its path is
 * `path` and its heading path contains `heading` (case-insensitive).
 */
export interface LabelledQuestion {
  q: string;
  relevant: Array<{ path: string; heading: string }>;
}

const api = (heading: string) => ({ path: "docs/api.md", heading });
const help = (heading: string) => ({ path: "docs/help.md", heading });
const transports = (heading: string) => ({ path: "docs/transports.md", heading });

export const QUESTIONS: LabelledQuestion[] = [
  {
    q: "How do I hide passwords or secret fields from log output?",
    relevant: [{ path: "docs/redaction.md", heading: "Redaction" }, api("redact")],
  },
  {
    q: "Which path syntax does redact accept for keys that contain hyphens?",
    relevant: [{ path: "docs/redaction.md", heading: "" }, api("redact")],
  },
  {
    q: "How much slower is logging when redaction is enabled?",
    relevant: [{ path: "docs/redaction.md", heading: "Overhead" }],
  },
  { q: "How can I rotate log files?", relevant: [help("Log rotation"), transports("pino-roll")] },
  { q: "How do I reopen the log file after logrotate sends SIGHUP?", relevant: [help("Reopening log files")] },
  {
    q: "How do I write logs to several files at the same time?",
    relevant: [help("multiple files"), api("multistream"), transports("targets")],
  },
  { q: "How can I filter out log lines I do not want to keep?", relevant: [help("Log Filtering")] },
  {
    q: "Print level names like info instead of numbers like 30",
    relevant: [help("labels instead of numbers"), api("formatters")],
  },
  { q: "Can I use pino together with the debug module?", relevant: [help("Pino with debug")] },
  { q: "How do pino levels map to Google Cloud Logging severity?", relevant: [help("Stackdriver")] },
  { q: "Ship logs to Grafana Loki from a kubernetes cluster", relevant: [help("Loki"), transports("pino-loki")] },
  {
    q: "What is the fastest way to log to stdout?",
    relevant: [help("Best performance for logging to stdout"), { path: "docs/asynchronous.md", heading: "" }],
  },
  {
    q: "Create a child logger that adds bindings to every line",
    relevant: [api("logger.child"), { path: "docs/child-loggers.md", heading: "" }],
  },
  {
    q: "What does creating a child logger cost in performance?",
    relevant: [{ path: "docs/child-loggers.md", heading: "Cost of child logging" }],
  },
  {
    q: "What happens when a child logger repeats a key of its parent?",
    relevant: [{ path: "docs/child-loggers.md", heading: "Duplicate keys" }, help("duplicate keys")],
  },
  {
    q: "How do I flush buffered logs before the process exits when logging asynchronously?",
    relevant: [{ path: "docs/asynchronous.md", heading: "" }, api("flush")],
  },
  { q: "Logging from an AWS Lambda function", relevant: [{ path: "docs/asynchronous.md", heading: "AWS Lambda" }] },
  {
    q: "Pretty print logs in development",
    relevant: [
      { path: "docs/pretty.md", heading: "" },
      { path: "README.md", heading: "Development Formatting" },
      transports("pino-pretty"),
    ],
  },
  { q: "How do I write my own transport?", relevant: [transports("Writing a Transport")] },
  { q: "Transform log lines in a pipeline of transports before writing them", relevant: [transports("pipeline")] },
  {
    q: "How does level filtering work with several transport targets?",
    relevant: [transports("level filtering"), transports("targets")],
  },
  { q: "Can a transport be written in TypeScript?", relevant: [transports("TypeScript")] },
  { q: "Preload a transport with node --import or --require", relevant: [transports("preloads")] },
  {
    q: "Write logs to a file with the built-in file transport",
    relevant: [transports("pino/file"), api("destination")],
  },
  { q: "Send logs to Elasticsearch", relevant: [transports("pino-elasticsearch")] },
  { q: "Report errors to Sentry from pino", relevant: [transports("sentry")] },
  { q: "Forward logs to syslog", relevant: [transports("pino-syslog")] },
  { q: "Send logs to Datadog", relevant: [transports("datadog")] },
  { q: "Post log messages to a Slack channel", relevant: [transports("pino-slack-webhook")] },
  { q: "Use pino as the logger of an Express app", relevant: [{ path: "docs/web.md", heading: "Express" }] },
  { q: "Logging in a Fastify server", relevant: [{ path: "docs/web.md", heading: "Fastify" }] },
  { q: "Integrate pino with NestJS", relevant: [{ path: "docs/web.md", heading: "Nest" }] },
  { q: "In the browser, log objects instead of strings", relevant: [{ path: "docs/browser.md", heading: "asObject" }] },
  { q: "Send browser logs to a server endpoint", relevant: [{ path: "docs/browser.md", heading: "transmit" }] },
  {
    q: "Bundle pino with webpack or esbuild",
    relevant: [
      { path: "docs/bundling.md", heading: "" },
      { path: "README.md", heading: "Bundling" },
    ],
  },
  { q: "Which Node.js versions are supported by each pino release?", relevant: [{ path: "docs/lts.md", heading: "" }] },
  { q: "Define my own custom log levels", relevant: [api("customLevels"), api("useOnlyCustomLevels")] },
  { q: "Use ISO 8601 time strings for the timestamp", relevant: [api("timestamp"), api("stdTimeFunctions")] },
  { q: "Add computed properties to every log line", relevant: [api("mixin")] },
  { q: "Rename the msg property that holds the message", relevant: [api("messageKey"), help("Message Conflict")] },
  { q: "Change the key under which errors are logged", relevant: [api("errorKey"), api("Errors")] },
  { q: "Serialize request and error objects in a standard way", relevant: [api("serializers"), api("stdSerializers")] },
  { q: "Be notified when the log level changes at runtime", relevant: [api("level-change"), api("logger.level")] },
  {
    q: "Check whether debug logging is enabled before building an expensive message",
    relevant: [api("isLevelEnabled")],
  },
  { q: "Turn logging off completely", relevant: [api("enabled"), api("silent")] },
  {
    q: "Use printf style %s placeholders in log messages",
    relevant: [api("interpolationValues"), api("message (String)")],
  },
  {
    q: "Send errors to stderr and everything else to stdout",
    relevant: [help("different streams"), api("multistream")],
  },
  { q: "Put a fixed prefix in front of every message of a logger", relevant: [api("msgPrefix")] },
  { q: "Intercept the arguments passed to the log methods", relevant: [api("logMethod"), api("hooks")] },
  {
    q: "Forbid certain fields in log calls with TypeScript module augmentation",
    relevant: [api("LogFnFields"), api("Module Augmentation")],
  },
  {
    q: "How do transports report errors back to the main thread?",
    relevant: [transports("Communication between Pino and Transports")],
  },
  { q: "Trace pino with Node.js diagnostics channels", relevant: [{ path: "docs/diagnostics.md", heading: "" }] },
  { q: "Unicode characters look garbled in the Windows terminal", relevant: [help("Unicode")] },
  {
    q: "A logged object has its own msg property that clashes with the message",
    relevant: [help("Message Conflict"), api("messageKey")],
  },
];
