/**
 * Gateway-backed actions, called directly through `action_invocations` when no model reasoning is needed, and
 * the audit trail of invocations.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer, Stream } from "effect"
import * as Action from "./Action.js"
import { AgentPlatformClient } from "./AgentPlatformClient.js"
import * as ApiError from "./ApiError.js"
import { missing, validateSchema, valueOf, withId } from "./internal/validate.js"
import * as Page from "./Page.js"
import type { CallOptions } from "./RunService.js"

/**
 * Options of {@link Service.invoke}.
 *
 * @since 0.1.0
 * @category models
 */
export interface InvokeOptions extends CallOptions {
  /** Run the action on behalf of a session (recorded in the audit trail). */
  readonly sessionId?: string | undefined
  readonly connectionId?: string | undefined
  readonly idempotencyKey?: string | undefined
  /**
   * Return an invocation whose `status` is `"failed"` instead of failing with `ActionInvocationFailed`.
   * Default false.
   */
  readonly failedAsRecord?: boolean | undefined
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The action catalog. */
  readonly list: (options?: CallOptions) => Effect.Effect<ReadonlyArray<Action.Action>, ApiError.ApiError>
  /**
   * Calls one action without a session. An input that does not match the action's schema is
   * `InvalidRequest`; an unknown action `NotFound`; one the workspace may not use `PermissionDenied`; a provider
   * failure `ActionInvocationFailed` (or the record, with `failedAsRecord`).
   */
  readonly invoke: (
    action: string,
    input?: Record<string, unknown>,
    options?: InvokeOptions
  ) => Effect.Effect<Action.ActionInvocation, ApiError.ApiError>
  /** One page of the audit trail, newest first. */
  readonly listInvocations: (
    params?: Page.PageParams & CallOptions
  ) => Effect.Effect<Page.Page<Action.ActionInvocation>, ApiError.ApiError>
  /** The whole audit trail, page after page. */
  readonly listAllInvocations: (
    params?: { readonly pageSize?: number | undefined } & CallOptions
  ) => Stream.Stream<Action.ActionInvocation, ApiError.ApiError>
  readonly getInvocation: (
    invocationId: string,
    options?: CallOptions
  ) => Effect.Effect<Action.ActionInvocation, ApiError.ApiError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class ActionService extends Context.Tag("effect-agent-platform/ActionService")<ActionService, Service>() {}

const ActionPage = Page.schema(Action.Action, "actions")
const InvocationPage = Page.schema(Action.ActionInvocation, "action_invocations")

/**
 * Builds the service over an {@link AgentPlatformClient}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Service, never, AgentPlatformClient> = Effect.gen(function*() {
  const client = yield* AgentPlatformClient

  const list = (options?: CallOptions) =>
    Effect.gen(function*() {
      const response = yield* client.json({ span: "ActionService.list", method: "GET", path: "/actions", policy: options?.policy }, ActionPage, "action list")
      return response.value.data
    })

  const invoke = (
    action: string,
    input?: Record<string, unknown>,
    options?: InvokeOptions
  ) =>
    Effect.gen(function*() {
      const body = yield* validateSchema(Action.InvokeParams, {
        action,
        ...(input === undefined ? {} : { input }),
        ...(options?.sessionId === undefined ? {} : { session_id: options.sessionId }),
        ...(options?.connectionId === undefined ? {} : { connection_id: options.connectionId })
      }, "action invocation")
      const response = yield* client.json({
        span: "ActionService.invoke",
        method: "POST",
        path: "/action_invocations",
        body,
        idempotencyKey: options?.idempotencyKey,
        policy: options?.policy
      }, Action.ActionInvocation, "action invocation")
      const invocation = response.value
      if (invocation.status === "failed" && options?.failedAsRecord !== true) {
        return yield* Effect.fail(
          new ApiError.ActionInvocationFailed({
            invocationId: invocation.id,
            action: invocation.action,
            status: response.status,
            message: invocation.error ?? `the action ${invocation.action} failed`,
            ...(response.requestId === undefined ? {} : { requestId: response.requestId })
          })
        )
      }
      return invocation
    })

  const listInvocations = (params?: Page.PageParams & CallOptions) =>
    Effect.gen(function*() {
      const response = yield* client.json({
        span: "ActionService.listInvocations",
        method: "GET",
        path: "/action_invocations",
        query: { limit: params?.limit, starting_after: params?.startingAfter },
        policy: params?.policy
      }, InvocationPage, "action invocation list")
      return response.value
    })

  const listAllInvocations = (params?: { readonly pageSize?: number | undefined } & CallOptions) =>
    Page.stream((startingAfter) => listInvocations({ limit: params?.pageSize, startingAfter, policy: params?.policy }))

  const getInvocation = (invocationId: string, options?: CallOptions) =>
    withId(invocationId, "invocationId", () => Effect.map(client.json({
      span: "ActionService.getInvocation",
      method: "GET",
      path: `/action_invocations/${encodeURIComponent(invocationId)}`,
      policy: options?.policy
    }, Action.ActionInvocation, "action invocation"), valueOf))

  return ActionService.of({ list, invoke, listInvocations, listAllInvocations, getInvocation })
})

/**
 * The layer of the service.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ActionService, never, AgentPlatformClient> = Layer.effect(ActionService, make)

/**
 * A layer from a partial implementation, for tests. Calling a method it lacks fails loudly (a defect naming
 * the method).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerTest = (implementation: Partial<Service>): Layer.Layer<ActionService> =>
  Layer.succeed(ActionService, ActionService.of({
    list: implementation.list ?? missing("ActionService.list"),
    invoke: implementation.invoke ?? missing("ActionService.invoke"),
    listInvocations: implementation.listInvocations ?? missing("ActionService.listInvocations"),
    listAllInvocations: implementation.listAllInvocations ?? missing.stream("ActionService.listAllInvocations"),
    getInvocation: implementation.getInvocation ?? missing("ActionService.getInvocation")
  }))
