// One producer of a job's public JSON, shared with the worker's notifications.
export { toJobJson as toJobResource } from "@patchbay/jobs";
