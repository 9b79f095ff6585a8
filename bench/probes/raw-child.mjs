// @ts-check
// The raw child process of the isolation baselines: says `ready` as soon as it runs, then
// answers `{ id, a, b }` with `{ id, sum }` over the IPC channel. Asked `{ entry }`, it imports
// that plugin entry, runs its setup() and says `ready` again: the least a warm child must do to
// start a plugin. It ends with the channel.
const send = /** @type {NonNullable<typeof process.send>} */ (process.send).bind(process);
send('ready');
process.on('message', async (/** @type {{ id: number, a: number, b: number } | { entry: string }} */ message) => {
  if ('entry' in message) {
    const plugin = await import(message.entry);
    plugin.default.setup();
    send('ready');
  } else send({ id: message.id, sum: message.a + message.b });
});
process.on('disconnect', () => process.exit(0));
