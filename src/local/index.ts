/**
 * The local Agent Platform: the API of the contract on loopback, durable in SQLite, with a deterministic model,
 * a gateway of fixture actions and faults on purpose.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Domain from "./Domain.js"
/** @since 0.1.0 */
export * as Faults from "./Faults.js"
/** @since 0.1.0 */
export * as Gateway from "./Gateway.js"
/** @since 0.1.0 */
export * as Http from "./Http.js"
/** @since 0.1.0 */
export * as Idempotency from "./Idempotency.js"
/** @since 0.1.0 */
export * as LocalPlatform from "./LocalPlatform.js"
/** @since 0.1.0 */
export * as Model from "./Model.js"
/** @since 0.1.0 */
export * as Runs from "./Runs.js"
/** @since 0.1.0 */
export * as Sessions from "./Sessions.js"
/** @since 0.1.0 */
export * as Store from "./Store.js"
/** @since 0.1.0 */
export * as Workspaces from "./Workspaces.js"
