import { BUSINESS_ERRORS, GATEWAY_ERRORS, type ErrorAnswer } from './error-codes.js';

export type ResponseFormat = 'JSON' | 'XML';

/** A rendered HTTP answer. */
export interface RenderedAnswer {
  status: number;
  contentType: string;
  body: string;
}

const JSON_TYPE = 'application/json;charset=utf-8';
// The SDK parses XML error bodies only for exactly this content type.
const XML_TYPE = 'text/xml;charset=utf-8';
const XML_PROLOG = '<?xml version="1.0" encoding="UTF-8"?>';

/** Fields of a successful answer. `messageId` holds the decimal digits, emitted unquoted unless `quoteMessageId`. */
export interface SuccessFields {
  requestId: string;
  messageId?: string;
  quoteMessageId: boolean;
}

export function renderSuccess(action: string, fields: SuccessFields, format: ResponseFormat): RenderedAnswer {
  if (format === 'XML') {
    const id = fields.messageId === undefined ? '' : `<MessageId>${fields.messageId}</MessageId>`;
    const body = `${XML_PROLOG}<${action}Response><RequestId>${fields.requestId}</RequestId><Success>true</Success>${id}</${action}Response>`;
    return { status: 200, contentType: XML_TYPE, body };
  }
  let body = `{"RequestId":"${fields.requestId}","Success":true`;
  if (fields.messageId !== undefined) {
    // Written as text so that values above 2^53 reach the client digit for digit.
    body += fields.quoteMessageId ? `,"MessageId":"${fields.messageId}"` : `,"MessageId":${fields.messageId}`;
  }
  return { status: 200, contentType: JSON_TYPE, body: `${body}}` };
}

export interface ErrorContext {
  action: string;
  requestId: string;
  hostId: string;
  format: ResponseFormat;
}

export function renderError(answer: ErrorAnswer, ctx: ErrorContext): RenderedAnswer {
  return answer.layer === 'gateway' ? renderGatewayError(answer, ctx) : renderBusinessError(answer, ctx);
}

function renderGatewayError(answer: ErrorAnswer & { layer: 'gateway' }, ctx: ErrorContext): RenderedAnswer {
  const spec = GATEWAY_ERRORS[answer.code];
  const message = answer.message ?? spec.message;
  const recommend = `https://api.aliyun.com/troubleshoot?q=${answer.code}&product=Iot&requestId=${ctx.requestId}`;
  if (ctx.format === 'XML') {
    const body =
      `${XML_PROLOG}<Error><RequestId>${ctx.requestId}</RequestId><HostId>${escapeXml(ctx.hostId)}</HostId>` +
      `<Code>${answer.code}</Code><Message>${escapeXml(message)}</Message><Recommend>${escapeXml(recommend)}</Recommend></Error>`;
    return { status: spec.status, contentType: XML_TYPE, body };
  }
  const body = JSON.stringify({
    RequestId: ctx.requestId,
    HostId: ctx.hostId,
    Code: answer.code,
    Message: message,
    Recommend: recommend,
  });
  return { status: spec.status, contentType: JSON_TYPE, body };
}

function renderBusinessError(answer: ErrorAnswer & { layer: 'business' }, ctx: ErrorContext): RenderedAnswer {
  const message = answer.message ?? BUSINESS_ERRORS[answer.code];
  if (ctx.format === 'XML') {
    const body =
      `${XML_PROLOG}<${ctx.action}Response><RequestId>${ctx.requestId}</RequestId><Success>false</Success>` +
      `<Code>${answer.code}</Code><ErrorMessage>${escapeXml(message)}</ErrorMessage></${ctx.action}Response>`;
    return { status: 200, contentType: XML_TYPE, body };
  }
  const body = JSON.stringify({ RequestId: ctx.requestId, Success: false, Code: answer.code, ErrorMessage: message });
  return { status: 200, contentType: JSON_TYPE, body };
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
