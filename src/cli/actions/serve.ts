/** `uir serve`: start the dataset browser and keep running until Ctrl-C. */
import { startServer, isLoopback } from '../../serve/server.js';
import { UsageError } from '../../errors.js';

export async function serveCommand(a: { data: string; port: number; host: string; runs?: string }): Promise<void> {
  if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) throw new UsageError(`--port: expected integer 0-65535, received ${a.port}`);
  const s = await startServer(a);
  process.stdout.write(`uir serve: ${s.url} (dataset ${a.data}${a.runs ? `, runs ${a.runs}` : ''}); Ctrl-C to stop\n`);
  if (!isLoopback(a.host)) process.stderr.write(`uir serve: listening on ${a.host}: anyone who can reach this address can browse the dataset\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => { void s.close().then(resolve); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
