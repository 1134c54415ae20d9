import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AccountQuotas, DeviceQuotas, DownlinkQuotas } from './account-quotas.js';
import { ArrivalClock } from './arrival-clock.js';
import { ACTIONS, type ActionPlan } from './actions/index.js';
import { Authenticator, readEnvelope, type CallEnvelope, type SignedRequest } from './auth.js';
import type { MessageBroker } from './broker.js';
import type { CallLog } from './call-log.js';
import type { DeviceRegistry } from './device-registry.js';
import { EmulatorAnswerError, businessError, gatewayError, type ErrorAnswer } from './error-codes.js';
import { brokenAnswer, deviceFaultOf, type FaultKind, type FaultPlan } from './faults.js';
import { MessageIdGenerator, newRequestId } from './message-id.js';
import type { ResolvedEmulatorOptions } from './options.js';
import { parseCallParams, readBody } from './params.js';
import { renderError, renderSuccess, type RenderedAnswer, type SuccessFields } from './responses.js';

export const API_VERSION = '2018-01-20';

/** Everything the API handler works with. */
export interface ApiHandlerDeps {
  options: ResolvedEmulatorOptions;
  broker: MessageBroker;
  log: CallLog;
  faults: FaultPlan;
  registry: DeviceRegistry | undefined;
  quotas: AccountQuotas;
  deviceQuotas: DeviceQuotas;
  downlinkQuotas: DownlinkQuotas;
  /** Milliseconds since start, monotonic. */
  clock: () => number;
}

/** The state of one call as it goes through the checks. */
interface CallState {
  requestId: string;
  envelope: CallEnvelope;
  accountId: string;
  fault: FaultKind | undefined;
  arrivedAt: number;
  /** The TopicFullName the call asked for, recorded with refused calls too (so a caller's retries can be told apart). */
  topic: string | undefined;
}

/**
 * Handles calls to `/`: signature, action, injected fault, account quota, validation, per-device and
 * per-account message rates, delivery to the broker, then the answer. Faults are drawn after the signature check.
 */
export class ApiHandler {
  readonly #authenticator: Authenticator;
  readonly #messageIds = new MessageIdGenerator();
  readonly #arrivals: ArrivalClock;

  readonly #deps: ApiHandlerDeps;

  constructor(deps: ApiHandlerDeps) {
    this.#deps = deps;
    const { options } = deps;
    this.#authenticator = new Authenticator(options.accessKeys, options.timestampToleranceMs, options.nonceCacheSize);
    this.#arrivals = new ArrivalClock(deps.clock);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrivedAt = this.#arrivals.now();
    const body = await readBody(req);
    const url = req.url ?? '';
    const mark = url.indexOf('?');
    const rawQuery = mark < 0 ? '' : url.slice(mark + 1);
    const params = parseCallParams(rawQuery, body, req.headers['content-type']);
    const request: SignedRequest = { method: req.method ?? 'GET', headers: req.headers, params, body };
    const state: CallState = {
      requestId: newRequestId(),
      envelope: readEnvelope(request),
      accountId: '',
      fault: undefined,
      arrivedAt,
      topic: params.all.get('TopicFullName'),
    };
    try {
      await this.#process(state, request, res);
    } catch (error) {
      if (!(error instanceof EmulatorAnswerError)) throw error;
      await this.#answerError(state, error.answer, res);
    }
  }

  async #process(state: CallState, request: SignedRequest, res: ServerResponse): Promise<void> {
    const deps = this.#deps;
    const call = this.#authenticator.authenticate(request, state.envelope);
    state.accountId = call.accountId;
    const action = ACTIONS.get(call.action);
    if (!action || call.version !== API_VERSION) throw new EmulatorAnswerError(gatewayError('InvalidApi.NotFound'));

    state.fault = deps.faults.nextFault();
    if (state.fault !== undefined && state.fault !== 'reset') return this.#answerFault(state, res);

    const window = deps.quotas.window(call.accountId, action.quotaName(request.params.all));
    if (!window.fits(state.arrivedAt)) throw new EmulatorAnswerError(gatewayError('Throttling.User'));
    window.record(state.arrivedAt);

    const plan = action.plan({
      params: request.params.all,
      registry: deps.registry,
      instanceId: deps.options.instanceId,
      messageIds: this.#messageIds,
    });
    this.#checkDeviceFaults(plan.devices);
    this.#admitMessages(state, plan);
    await this.#deliverAndAnswer(state, plan, res);
  }

  /** Per-device and account-wide message rates: a call is admitted whole or refused whole, recording nothing. */
  #admitMessages(state: CallState, plan: ActionPlan): void {
    const { deviceQuotas, downlinkQuotas } = this.#deps;
    const messages = plan.deliveries.length;
    const admitted =
      downlinkQuotas.fits(state.accountId, messages, state.arrivedAt) && deviceQuotas.tryAdmit(plan.devices, state.arrivedAt);
    if (!admitted) throw new EmulatorAnswerError(businessError('iot.messagebroker.RateLimit'));
    downlinkQuotas.record(state.accountId, messages, state.arrivedAt);
  }

  /** Devices chosen offline or unknown by `faultOffline` / `faultNotFound` refuse the call as the real API does. */
  #checkDeviceFaults(devices: readonly string[]): void {
    const shares = this.#deps.options.deviceFaults;
    for (const device of devices) {
      const slash = device.indexOf('/');
      const fault = deviceFaultOf(device.slice(0, slash), device.slice(slash + 1), shares);
      if (fault === 'offline') throw new EmulatorAnswerError(businessError('iot.messagebroker.OFFLINE'));
      if (fault === 'notFound') throw new EmulatorAnswerError(businessError('iot.device.NotExistedDevice'));
    }
  }

  async #deliverAndAnswer(state: CallState, plan: ActionPlan, res: ServerResponse): Promise<void> {
    const deps = this.#deps;
    const action = state.envelope.action;
    const code = state.fault === 'reset' ? 'ConnectionReset' : 'OK';
    const index = deps.log.add({
      t: state.arrivedAt,
      action,
      accountId: state.accountId,
      code,
      fault: state.fault,
      messageId: plan.messageId,
      topic: plan.topic,
      qos: plan.qos,
    });
    try {
      await this.#publish(plan.deliveries);
    } catch {
      const failed = businessError('iot.messagebroker.PublishMessageException');
      deps.log.changeCode(index, action, code, failed.code);
      return this.#send(state, renderError(failed, this.#errorContext(state)), res);
    }
    deps.log.markDelivered(index, action, plan.deliveries.length);
    if (state.fault === 'reset') {
      res.socket?.destroy();
      return;
    }
    deps.log.markAccepted();
    const fields: SuccessFields = { requestId: state.requestId, quoteMessageId: deps.options.quoteMessageId };
    if (plan.messageId !== undefined) fields.messageId = plan.messageId.toString();
    await this.#send(state, renderSuccess(action, fields, state.envelope.format), res);
  }

  #publish(deliveries: ActionPlan['deliveries']): Promise<unknown> {
    const { broker } = this.#deps;
    const [only] = deliveries;
    if (deliveries.length === 1 && only) return broker.publish(only);
    return Promise.all(deliveries.map((delivery) => broker.publish(delivery)));
  }

  async #answerFault(state: CallState, res: ServerResponse): Promise<void> {
    const { fault } = state;
    if (fault === 'hang') {
      this.#record(state, 'NoAnswer');
      return;
    }
    const broken = fault === undefined ? undefined : brokenAnswer(fault, this.#deps.options.faultStatus);
    if (broken !== undefined) {
      this.#record(state, fault === 'empty' ? 'EmptyAnswer' : 'NotJsonAnswer');
      write(state.requestId, broken, res);
      return;
    }
    const answer =
      fault === 'throttle'
        ? gatewayError('Throttling.User')
        : fault === 'unavailable'
          ? gatewayError('ServiceUnavailable')
          : businessError('iot.system.SystemException');
    await this.#answerError(state, answer, res);
  }

  async #answerError(state: CallState, answer: ErrorAnswer, res: ServerResponse): Promise<void> {
    if (state.fault === 'reset') {
      this.#record(state, 'ConnectionReset');
      res.socket?.destroy();
      return;
    }
    this.#record(state, answer.code);
    await this.#send(state, renderError(answer, this.#errorContext(state)), res);
  }

  #record(state: CallState, code: string): void {
    const action = state.envelope.action;
    if (!ACTIONS.has(action)) {
      this.#deps.log.countOnly('unknown', code);
      return;
    }
    this.#deps.log.add({ t: state.arrivedAt, action, accountId: state.accountId, code, fault: state.fault, topic: state.topic });
  }

  #errorContext(state: CallState): { action: string; requestId: string; hostId: string; format: CallEnvelope['format'] } {
    return {
      action: state.envelope.action || 'Error',
      requestId: state.requestId,
      hostId: this.#deps.options.hostId,
      format: state.envelope.format,
    };
  }

  /** Answers now, or after the drawn latency (then the returned promise settles once answered). */
  #send(state: CallState, answer: RenderedAnswer, res: ServerResponse): Promise<void> | undefined {
    const latency = this.#deps.faults.nextLatencyMs();
    if (latency > 0) return sleep(latency).then(() => write(state.requestId, answer, res));
    write(state.requestId, answer, res);
    return undefined;
  }
}

function write(requestId: string, answer: RenderedAnswer, res: ServerResponse): void {
  if (res.destroyed) return;
  res.writeHead(answer.status, [
    'content-type',
    answer.contentType,
    'content-length',
    String(Buffer.byteLength(answer.body)),
    'x-acs-request-id',
    requestId,
  ]);
  res.end(answer.body);
}
