/**
 * Entry of a build worker process (--pool processes). A terminal's Ctrl-C and a scheduler's SIGTERM reach the whole
 * process group; the parent answers them by letting the sources in progress finish, so a worker ignores them, and
 * does so before its heavy modules load. It leaves when the parent closes the IPC channel (or dies).
 */
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
await import('./worker.js');
