import { TidemarkError, type TidemarkErrorCode } from './errors.js';

/** An error as it crosses between worker and page: a TidemarkError keeps its code and details. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: TidemarkErrorCode;
  details?: Record<string, unknown>;
  /** The cause, as `name: message` (causes may not be cloneable). */
  cause?: string;
}

/** Turns any thrown value into something postMessage can carry. */
export function toWireError(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const wire: WireError = { name: error.name, message: error.message };
  if (error.stack !== undefined) wire.stack = error.stack;
  if (error.cause instanceof Error) wire.cause = `${error.cause.name}: ${error.cause.message}`;
  if (error instanceof TidemarkError) {
    wire.code = error.code;
    wire.details = jsonCopy(error.details);
  }
  return wire;
}

/** Rebuilds the error on the other side: a TidemarkError again when it was one. */
export function fromWireError(wire: WireError): Error {
  const cause = wire.cause === undefined ? {} : { cause: new Error(wire.cause) };
  const error =
    wire.code === undefined
      ? Object.assign(new Error(wire.message, cause), { name: wire.name })
      : new TidemarkError(wire.code, wire.message, { details: wire.details ?? {}, ...cause });
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}

function jsonCopy(details: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
  } catch {
    return {};
  }
}
