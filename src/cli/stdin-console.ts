/**
 * The guest console's input from our stdin. Reading starts when the machine
 * subscribes and stops (and lets the process exit) when it unsubscribes.
 */
import type { ConsoleInput } from '../machine/serial-input.js';

export function stdinConsole(stdin: NodeJS.ReadStream = process.stdin): ConsoleInput {
  return {
    subscribe(onBytes, onEnd) {
      const onData = (chunk: Buffer): void => onBytes(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      const ended = (): void => onEnd?.();
      stdin.on('data', onData);
      stdin.on('end', ended);
      stdin.resume();
      return () => {
        stdin.off('data', onData);
        stdin.off('end', ended);
        stdin.pause();
        stdin.unref?.();
      };
    },
  };
}
