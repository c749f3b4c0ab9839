// Admission is one rule set for every way a job is made (API, webhooks, schedules): it lives in @patchbay/jobs.
export { type AdmissionPolicy, SubmitAdmission } from "@patchbay/jobs";
