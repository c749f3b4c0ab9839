export {
  API_SCOPES,
  type ApiScope,
  apiKeyMatches,
  apiKeyPrefix,
  generateApiKey,
  hashApiKey,
  hasScope,
} from "./api-key.js";
export { type ApiKeyRecord, ApiKeyRepository } from "./api-key-repository.js";
export { createDb, type Db } from "./client.js";
export { JobEventRepository, type TimedEvent } from "./event-repository.js";
export { type JobRecord, JobRepository, type TransitionFields } from "./job-repository.js";
export {
  DEFAULT_PROJECT,
  PROJECT_ID_PATTERN,
  type ProjectRecord,
  ProjectRepository,
} from "./project-repository.js";
export { parseSecretsKey, SecretBox, secretBoxFrom } from "./secret-box.js";
export { SECRET_NAME_PATTERN, type SecretInfo, SecretRepository } from "./secret-repository.js";

/** Whether the database answers a trivial query. */
export async function pingDb(db: import("./client.js").Db): Promise<boolean> {
  try {
    await db.$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}
export { type BaselineRecord, BaselineRepository } from "./baseline-repository.js";
export { type CandidateRecord, CandidateRepository } from "./candidate-repository.js";
export { type EnvironmentRecord, EnvironmentRepository } from "./environment-repository.js";
export { storableEvent } from "./event-repository.js";
export { GithubHookRepository, type GithubHookSettings, type SeenDelivery } from "./github-hook-repository.js";
export { type GithubReportIds, GithubReportRepository } from "./github-report-repository.js";
export {
  type NotificationAttemptRecord,
  type NotificationRecord,
  NotificationRepository,
  type NotificationTrigger,
} from "./notification-repository.js";
export { type ScheduleRecord, ScheduleRepository } from "./schedule-repository.js";
export { INSTALLATION_ID_KEY, SettingsRepository } from "./settings-repository.js";
export { type SourceInfo, SourceRepository } from "./source-repository.js";
export { isStorageOutage, isTransientStorageError, sqlState } from "./storage-errors.js";
export { isDatabaseUnavailable } from "./unavailable.js";
