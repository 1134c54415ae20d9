/**
 * Strips from error text whatever could let someone replay or forge a call: request URLs with their query (the SDK
 * appends the whole signed URL to transport errors), signatures, nonces, AccessKey ids, Authorization headers and
 * the "string to sign" some gateway messages quote. The result is one line.
 */
export function redactCallText(text: string, secrets: readonly string[] = []): string {
  let clean = text;
  for (const secret of secrets) {
    if (secret.length >= 4) clean = replaceEvery(clean, [secret, encodeURIComponent(secret)], '***');
  }
  return clean
    .replace(SDK_REQUEST_TAIL, '')
    .replace(STRING_TO_SIGN, '')
    .replace(URL_WITH_QUERY, (_url, origin: string) => origin)
    .replace(QUERY_TEXT, '')
    .replace(AUTHORIZATION, '[redacted]')
    .replace(SIGNED_PARAMETER, '[redacted]')
    .replace(/\s+/g, ' ')
    .trim();
}

/** `POST https://host/?Action=…&Signature=… failed.`, which the SDK appends to the text of transport errors. */
const SDK_REQUEST_TAIL = /\s*(?:GET|POST|PUT|DELETE|HEAD|PATCH)\s+(?:https?:\/\/|\/)\S*(?:\s+failed\.?)?/g;
/** Gateways may quote the string they signed, which holds every parameter of the call and its AccessKeyId. */
const STRING_TO_SIGN = /[\s,;:.]*\b(?:server\s+)?string\s*to\s*sign\b[\s\S]*$/i;
const URL_WITH_QUERY = /\b(https?:\/\/[^\s/?#]+)[^\s?#]*\?\S*/gi;
/** A bare query string (`?Action=Pub&…`) or a run of `name=value&name=value` parameters. */
const QUERY_TEXT = /\?[\w.%-]+=\S*|\b[\w.%-]+=[^\s&]*(?:&[\w.%-]+=[^\s&]*)+/g;
const AUTHORIZATION = /\b(?:Authorization|x-acs-signature-nonce|x-acs-security-token|x-acs-accesskey-id)\b\s*[:=]?\s*(?:ACS3-[\w-]+\s+)?\S*/gi;
const SIGNED_PARAMETER = /\b(?:Signature|SignatureNonce|AccessKeyId|AccessKeySecret|SecurityToken|Credential|SignedHeaders)\s*(?:=|%3D|:)\s*[^\s,&]*/gi;

function replaceEvery(text: string, needles: readonly string[], replacement: string): string {
  let result = text;
  for (const needle of needles) result = result.split(needle).join(replacement);
  return result;
}
