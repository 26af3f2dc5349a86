/**
 * effect-agent-platform: the Effect client for the Agent Platform API.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Action from "./Action.js"
/** @since 0.1.0 */
export * as ActionService from "./ActionService.js"
/** @since 0.1.0 */
export * as AgentPlatform from "./AgentPlatform.js"
/** @since 0.1.0 */
export * as AgentPlatformClient from "./AgentPlatformClient.js"
/** @since 0.1.0 */
export * as ApiError from "./ApiError.js"
/** @since 0.1.0 */
export * as ClientPolicy from "./ClientPolicy.js"
/** @since 0.1.0 */
export * as Page from "./Page.js"
/** @since 0.1.0 */
export * as Run from "./Run.js"
/** @since 0.1.0 */
export * as RunEvent from "./RunEvent.js"
/** @since 0.1.0 */
export * as RunInput from "./RunInput.js"
/** @since 0.1.0 */
export * as RunService from "./RunService.js"
/** @since 0.1.0 */
export * as Session from "./Session.js"
/** @since 0.1.0 */
export * as SessionService from "./SessionService.js"
/** @since 0.1.0 */
export * as TestHttpClient from "./TestHttpClient.js"
