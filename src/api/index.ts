// The contract: everything a client needs, and nothing of the server.
export * from "./Api.ts"
export * from "./Authorization.ts"
export * from "./ContainerStats.ts"
export * from "./common.ts"
export * from "./errors.ts"
export * from "./HostStats.ts"
export * from "./ServiceStats.ts"
export * from "./Stats.ts"
