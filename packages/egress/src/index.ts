export { EgressDoor } from "./door.js";
export { EgressProxy, type EgressProxyOptions } from "./proxy.js";
export { type HostRegistries, type HostRegistriesOptions, hostPackageRegistries } from "./registries.js";
export { formatHostRule, type HostRule, HostRuleSchema, hostAllowed, parseHostRule } from "./rules.js";
export { bridgeStartCommand, egressEnv, SANDBOX_EGRESS } from "./sandbox-env.js";
export type {
  DoorCounts,
  DoorOptions,
  DoorPolicy,
  EgressEvent,
  EgressLogger,
  EgressReason,
} from "./types.js";
