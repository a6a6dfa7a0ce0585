import { transferHandlers, type TransferHandler } from 'comlink';
import { TidemarkError, type TidemarkErrorCode } from './errors.js';

interface WireError {
  tidemark: { code: TidemarkErrorCode; message: string; details: Record<string, unknown>; stack?: string; cause?: string };
}

let installed = false;

/**
 * Makes TidemarkErrors cross the Comlink boundary whole. Comlink's own
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
      const error = thrown.value;
      if (!(error instanceof TidemarkError)) return original.serialize(thrown);
      const cause = error.cause instanceof Error ? `${error.cause.name}: ${error.cause.message}` : undefined;
      const wire: WireError = {
        tidemark: {
          code: error.code,
          message: error.message,
          details: structuredCloneable(error.details),
          ...(error.stack === undefined ? {} : { stack: error.stack }),
          ...(cause === undefined ? {} : { cause }),
        },
      };
      return [wire, []];
    },
    deserialize(wire: unknown) {
      if (wire && typeof wire === 'object' && 'tidemark' in wire) {
        const { code, message, details, stack, cause } = (wire as WireError).tidemark;
        const error = new TidemarkError(code, message, { details, ...(cause === undefined ? {} : { cause: new Error(cause) }) });
        if (stack) error.stack = stack;
        throw error;
      }
      return original.deserialize(wire);
    },
  });
}

function structuredCloneable(details: Record<string, unknown>): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
  } catch {
    return {};
  }
}
