import { transferHandlers, type TransferHandler } from 'comlink';
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

let installed = false;

/**
 * Makes errors thrown in the worker reach the page whole. Comlink's own
 * `throw` handler keeps only name, message and stack, so the page would lose
 * `code`. Both sides call this (connectStore and serveStore do).
 */
export function installErrorTransfer(): void {
  if (installed) return;
  installed = true;
  const original = transferHandlers.get('throw') as TransferHandler<{ value: unknown }, unknown>;
  transferHandlers.set('throw', {
    canHandle: original.canHandle,
    serialize(thrown: { value: unknown }) {
      if (!(thrown.value instanceof TidemarkError)) return original.serialize(thrown);
      return [{ tidemark: toWireError(thrown.value) }, []];
    },
    deserialize(wire: unknown) {
      if (wire && typeof wire === 'object' && 'tidemark' in wire) throw fromWireError((wire as { tidemark: WireError }).tidemark);
      return original.deserialize(wire);
    },
  });
}

function jsonCopy(details: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
  } catch {
    return {};
  }
}
