/**
 * Entry of a build worker process (--pool processes). Workers run in a process group of their own; should a Ctrl-C or
 * SIGTERM reach one anyway (a signal to the worker's pid, or its group), it is ignored: the parent decides, letting
 * the sources in progress finish. A worker leaves when the parent closes the IPC channel (or dies).
 */
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
await import('./worker.js');
